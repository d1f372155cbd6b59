/** The write app the tests register in their emulators: its own client id and a certificate, as in production. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ExtraApp } from "@/emulator/config";
import { keyCredential } from "@/emulator/oidc/client-assertion";
import { type CertificateCredential, parseCertificateCredential } from "@/lib/graph";
import { makeCertificatePem } from "@/scripts/lib/demo-certificate";

export const WRITE_CLIENT_ID = "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

let made: { pem: string; file: string; credential: CertificateCredential } | undefined;

/** One certificate per test process (2048-bit keys take a moment). */
export function writeCertificate() {
  if (!made) {
    const pem = makeCertificatePem("Recert test write app");
    const file = path.join(mkdtempSync(path.join(tmpdir(), "recert-write-")), "write-app.pem");
    writeFileSync(file, pem, { mode: 0o600 });
    made = { pem, file, credential: parseCertificateCredential(Buffer.from(pem), undefined, "test certificate") };
  }
  return made;
}

/** The emulator's registration of it: the certificate's public part, no secret. */
export function writeAppRegistration(): ExtraApp {
  return { clientId: WRITE_CLIENT_ID, secret: null, keyCredentials: [keyCredential(writeCertificate().pem)] };
}
