import { clientOf, rateLimit, tooManyRequests } from "@/lib/input/rate-limit";
import { signingIdentity, verifyManifest, verifyPdf } from "@/lib/reports";
import { isZip, verifyPackage } from "@/lib/reports/verify-package";
import { configuredTsaFingerprint } from "@/lib/signing/pades";

const MAX_BYTES = 64 * 1024 * 1024;
// Public and CPU-heavy (a signature check over up to 64 MB): 20 checks a minute per client, 200 in all.
const limit = rateLimit({ perClient: 20, global: 200, windowMs: 60_000 });

/** The body, read as it streams and cut off past `max` bytes (a missing or false Content-Length changes nothing). */
async function readCapped(req: Request, max: number): Promise<Buffer | "too large"> {
  const reader = req.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return "too large";
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/**
 * POST /api/verify (multipart: `file`, and `manifest` for CSV/JSON). Public: anyone holding a report can check it
 * against this installation's certificate. Answers 200 with the verdict (valid, untrusted or invalid), 400 for
 * unusable input, 413 when too large, 429 over the rate limit, and 503 (fail closed) when the installation's signing
 * certificate cannot be loaded, since no verdict can then say who signed.
 */
export async function POST(req: Request) {
  const allowed = limit.take(clientOf(req));
  if (!allowed.ok) return tooManyRequests(allowed.retryAfterS);
  if (Number(req.headers.get("content-length") ?? "0") > MAX_BYTES)
    return Response.json(
      { error: "Files up to 64 MB can be verified here; use `npm run verify` for larger ones." },
      { status: 413 },
    );
  let trusted: string;
  try {
    trusted = signingIdentity().fingerprint;
  } catch {
    return Response.json(
      { error: "This installation's signing certificate cannot be loaded, so no report can be checked against it." },
      { status: 503 },
    );
  }
  const body = await readCapped(req, MAX_BYTES + 64 * 1024);
  if (body === "too large")
    return Response.json(
      { error: "Files up to 64 MB can be verified here; use `npm run verify` for larger ones." },
      { status: 413 },
    );
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), {
      headers: { "content-type": req.headers.get("content-type") ?? "" },
    }).formData();
  } catch {
    return Response.json({ error: "Send the report as multipart/form-data with a field named file." }, { status: 400 });
  }
  const file = form.get("file");
  if (!(file instanceof File) || file.size === 0)
    return Response.json(
      { error: "Choose a report file (PDF, an evidence package ZIP, or CSV/JSON with its .jws manifest)." },
      { status: 400 },
    );
  if (file.size > MAX_BYTES)
    return Response.json({ error: "Files up to 64 MB can be verified here." }, { status: 413 });
  const content = Buffer.from(await file.arrayBuffer());
  if (content.subarray(0, 5).toString("latin1") === "%PDF-")
    return Response.json(verifyPdf(content, trusted, { tsaFingerprint: configuredTsaFingerprint() }));
  // An evidence package (#17), inflated to at most 256 MB here (a public page must not be a decompression bomb's target).
  if (isZip(content))
    return Response.json(
      await verifyPackage(content, trusted, {
        tsaFingerprint: configuredTsaFingerprint(),
        maxBytes: 256 * 1024 * 1024,
      }),
    );
  const manifest = form.get("manifest");
  if (!(manifest instanceof File) || manifest.size === 0)
    return Response.json(
      { error: "A CSV or JSON report is verified with its manifest: add the matching .jws file." },
      { status: 400 },
    );
  if (manifest.size > 64 * 1024)
    return Response.json({ error: "That manifest is too large to be a Recert manifest." }, { status: 400 });
  return Response.json(await verifyManifest(content, await manifest.text(), file.name, trusted));
}
