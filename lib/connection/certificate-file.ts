import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { type CertificateCredential, CertificateError, parseCertificateCredential } from "../graph";

const cache = new Map<string, { stamp: string; credential: CertificateCredential }>();

/**
 * The certificate an environment variable points at, read again when the file changes (a renewed certificate is
 * picked up without a restart). Throws CertificateError naming the variable and what is wrong.
 */
export function certificateFromFile(
  path: string,
  password: string | undefined,
  variable: string,
): CertificateCredential {
  const file = resolve(path);
  let stamp: string;
  try {
    const st = statSync(file);
    stamp = `${st.mtimeMs}:${st.size}`;
  } catch (e) {
    throw new CertificateError(
      `${variable} (${file}) cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
    );
  }
  const hit = cache.get(file);
  if (hit?.stamp === stamp) return hit.credential;
  const credential = parseCertificateCredential(readFileSync(file), password, `${variable} (${file})`);
  cache.set(file, { stamp, credential });
  return credential;
}

/** What Settings shows of a certificate: its thumbprint as the Entra portal lists it, and its end date. */
export function certificateHint(c: CertificateCredential): string {
  return `certificate ${c.thumbprintSha1.toUpperCase()} (${c.subject}), valid until ${c.notAfter.toISOString().slice(0, 10)}`;
}
