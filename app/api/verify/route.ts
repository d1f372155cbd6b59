import { signingIdentity, verifyManifest, verifyPdf } from "@/lib/reports";

const MAX_BYTES = 64 * 1024 * 1024;

/**
 * POST /api/verify (multipart: `file`, and `manifest` for CSV/JSON). Public: anyone holding a report can
 * check it. Answers 200 with the verdict (valid or not), 400 for unusable input, 413 when too large.
 */
export async function POST(req: Request) {
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > MAX_BYTES)
    return Response.json(
      { error: "Files up to 64 MB can be verified here; use `npm run verify` for larger ones." },
      { status: 413 },
    );
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    return Response.json({ error: "Send the report as multipart/form-data with a field named file." }, { status: 400 });
  }
  const file = form.get("file");
  if (!(file instanceof File) || file.size === 0)
    return Response.json({ error: "Choose a report file (PDF, or CSV/JSON with its .jws manifest)." }, { status: 400 });
  if (file.size > MAX_BYTES)
    return Response.json({ error: "Files up to 64 MB can be verified here." }, { status: 413 });
  const content = Buffer.from(await file.arrayBuffer());
  let pinned: string | undefined;
  try {
    pinned = signingIdentity().fingerprint;
  } catch {
    pinned = undefined;
  }
  if (content.subarray(0, 5).toString("latin1") === "%PDF-") return Response.json(verifyPdf(content, pinned));
  const manifest = form.get("manifest");
  if (!(manifest instanceof File) || manifest.size === 0)
    return Response.json(
      { error: "A CSV or JSON report is verified with its manifest: add the matching .jws file." },
      { status: 400 },
    );
  if (manifest.size > 64 * 1024)
    return Response.json({ error: "That manifest is too large to be a Recert manifest." }, { status: 400 });
  return Response.json(await verifyManifest(content, await manifest.text(), file.name, pinned));
}
