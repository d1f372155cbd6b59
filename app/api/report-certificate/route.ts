import { signingIdentity } from "@/lib/reports";

/** The public certificate reports are signed with (PEM), for anyone verifying offline. Public. */
export async function GET() {
  const id = signingIdentity();
  return new Response(id.certPem, {
    headers: {
      "content-type": "application/x-pem-file",
      "content-disposition": 'attachment; filename="recert-report-signing.pem"',
      "x-recert-certificate-sha256": id.fingerprint,
      "cache-control": "public, max-age=3600",
    },
  });
}
