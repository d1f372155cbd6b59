/**
 * A real RFC 3161 time-stamp authority over HTTP, for tests (#17: PAdES B-T "tested against a local timestamp
 * responder"). It answers POST application/timestamp-query with application/timestamp-reply: a TimeStampResp granting a
 * token (SignedData over a TSTInfo echoing the request's imprint and nonce, signed by its own certificate with the
 * critical id-kp-timeStamping extended key usage, RFC 3161 2.3). `mode` makes it refuse (PKIStatus rejection), answer
 * for another imprint, or fail at the HTTP level, so tests see what a broken or hostile TSA does.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import forge from "node-forge";
import { cms, OID, signedData } from "@/lib/signing/cms";
import { generateSelfSigned, identityFromP12, type SigningIdentity } from "@/lib/signing/identity";

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

export interface Tsa {
  url: string;
  identity: SigningIdentity;
  requests: number;
  mode: "grant" | "reject" | "wrong-imprint" | "http-500";
  close(): Promise<void>;
}

/** A self-signed TSA certificate whose extended key usage is timeStamping only, marked critical. */
function tsaIdentity(): SigningIdentity {
  const g = generateSelfSigned("Recert test time-stamp authority");
  const id = identityFromP12(g.p12, g.passphrase);
  const key = forge.pki.privateKeyFromPem(id.privateKeyPem);
  const cert = forge.pki.certificateFromPem(id.certPem);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, nonRepudiation: true },
    { name: "extKeyUsage", timeStamping: true, critical: true },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], "tsa", { algorithm: "aes256" });
  return identityFromP12(Buffer.from(asn1.toDer(p12).getBytes(), "binary"), "tsa");
}

export async function startTsa(): Promise<Tsa> {
  const identity = tsaIdentity();
  let serial = 1;
  const tsa: Tsa = {
    url: "",
    identity,
    requests: 0,
    mode: "grant",
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    tsa.requests++;
    if (req.method !== "POST" || req.headers["content-type"] !== "application/timestamp-query") {
      res.writeHead(400).end();
      return;
    }
    if (tsa.mode === "http-500") {
      res.writeHead(500).end();
      return;
    }
    const status = (n: number) => cms.seq([cms.int(n)]);
    let body: Buffer;
    try {
      const q = cms.fromDer(Buffer.concat(chunks)).value as Asn1[];
      const imprint = q[1]!;
      const nonce = q.find((f, i) => i > 1 && f.type === asn1.Type.INTEGER);
      // Strict DER, as OpenSSL-based authorities are: an INTEGER with a redundant leading zero byte is refused.
      const nv = (nonce?.value as string | undefined) ?? "";
      if (nv.length > 1 && nv.charCodeAt(0) === 0 && nv.charCodeAt(1) < 0x80) throw new Error("non-minimal INTEGER");
      if (tsa.mode === "reject") body = cms.der(cms.seq([status(2)]));
      else {
        if (tsa.mode === "wrong-imprint") {
          const v = imprint.value as Asn1[];
          v[1] = cms.octets(Buffer.alloc(32, 7));
        }
        const fields: Asn1[] = [
          cms.int(1),
          cms.oid("1.3.6.1.4.1.99999.1"), // a test policy
          imprint,
          cms.int(serial++),
          asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(new Date())),
        ];
        if (nonce) fields.push(nonce);
        const tstInfo = cms.der(cms.seq(fields));
        const token = await signedData({
          signer: { certDer: Buffer.from(identity.certDerB64, "base64"), privateKeyPem: identity.privateKeyPem },
          contentType: OID.tstInfo,
          encapsulate: tstInfo,
        });
        body = cms.der(cms.seq([status(0), cms.fromDer(token)]));
      }
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/timestamp-reply" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  tsa.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  return tsa;
}
