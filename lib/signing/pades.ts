/**
 * The PDF signer: PAdES baseline B-B, and B-T when a time-stamp authority is configured (REPORT_TSA_URL), through
 * @signpdf's placeholder and byte-range handling with our CMS (./cms.ts). See cms.ts for what each level holds.
 */
import { createHash } from "node:crypto";
import { Signer } from "@signpdf/utils";
import { cms, fetchTimestamp, OID, signedData, TimestampError, verifyTimestampToken } from "./cms";
import type { SigningIdentity } from "./identity";

export const PADES_SUBFILTER = "ETSI.CAdES.detached";

export class PadesSigner extends Signer {
  constructor(
    private readonly identity: SigningIdentity,
    /** An RFC 3161 time-stamp authority: the signature gets a time-stamp token (B-T). */
    private readonly tsaUrl?: string,
  ) {
    super();
  }

  override async sign(pdf: Buffer): Promise<Buffer> {
    const tsa = this.tsaUrl;
    return signedData({
      signer: { certDer: Buffer.from(this.identity.certDerB64, "base64"), privateKeyPem: this.identity.privateKeyPem },
      digest: createHash("sha256").update(pdf).digest(),
      unsignedAttributes: tsa
        ? async (signature) => {
            const token = await fetchTimestamp(tsa, createHash("sha256").update(signature).digest());
            // Checked before it goes into evidence: the authority's signature, its key usage, and (when pinned) its
            // certificate, so that nobody between us and a plain-http authority can plant a token.
            const { certDer } = verifyTimestampToken(token, signature);
            const pin = configuredTsaFingerprint();
            if (pin && createHash("sha256").update(certDer).digest("hex") !== pin)
              throw new TimestampError("The time-stamp came from another authority than REPORT_TSA_FINGERPRINT names.");
            return [cms.attribute(OID.signatureTimeStampToken, cms.fromDer(token))];
          }
        : undefined,
    });
  }
}

/** The configured time-stamp authority, if any (only final evidence is time-stamped: frozen reports). */
export function configuredTsa(): string | undefined {
  const url = process.env.REPORT_TSA_URL?.trim();
  return url ? url : undefined;
}

/** The SHA-256 of the time-stamp authority's certificate that is trusted (REPORT_TSA_FINGERPRINT), if pinned. */
export function configuredTsaFingerprint(): string | undefined {
  const pin = process.env.REPORT_TSA_FINGERPRINT?.trim().toLowerCase().replace(/:/g, "");
  return pin ? pin : undefined;
}
