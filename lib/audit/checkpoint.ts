/**
 * Signed checkpoints of the audit chain (#17): "at this time the chain had this many events and this head", in a
 * compact JWS signed with the installation's signing key (RS256, the certificate in x5c). A chain cut short, or
 * rewritten consistently from some row on (every later hash recomputed), verifies on its own; it no longer matches a
 * checkpoint written before the change, because nobody without the signing key can write a new one. Written at every
 * campaign close and every scheduler pass; exportable, so an auditor can keep them outside Recert.
 */
import { createHash, createPrivateKey } from "node:crypto";
import { CompactSign, compactVerify, decodeProtectedHeader, importX509 } from "jose";
import type { Db } from "@/lib/db";
import type { SigningIdentity } from "@/lib/signing/identity";

export interface CheckpointPayload {
  seq: number;
  hash: string;
  at: string;
  reason: string;
}

export interface StoredCheckpoint extends CheckpointPayload {
  id: number;
  jws: string;
}

type CheckpointDb = Pick<Db, "auditEvent" | "auditCheckpoint">;

/** Signs and stores the chain's current head. A chain with no event has nothing to anchor: null. */
export async function writeCheckpoint(
  db: CheckpointDb,
  reason: string,
  identity: SigningIdentity,
  now = new Date(),
): Promise<StoredCheckpoint | null> {
  // Read here rather than through append-audit (server-only): `npm run audit:verify` loads this file too.
  const head = await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  if (!head) return null;
  const payload: CheckpointPayload = { seq: head.seq, hash: head.hash, at: now.toISOString(), reason };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "RS256", typ: "recert-checkpoint+jws", x5c: [identity.certDerB64] })
    .sign(createPrivateKey(identity.privateKeyPem));
  const row = await db.auditCheckpoint.create({
    data: { seq: head.seq, headHash: head.hash, at: now, reason, jws },
  });
  return { id: row.id, ...payload, jws };
}

export type CheckpointCheck =
  | { ok: true; payload: CheckpointPayload; signerFingerprint: string }
  | { ok: false; reason: string };

/**
 * A checkpoint's signature, by the expected signer only (the installation's certificate, or one the auditor gives):
 * a correct signature by anyone else is no checkpoint of this installation.
 */
export async function checkCheckpoint(jws: string, trustedFingerprint: string): Promise<CheckpointCheck> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return { ok: false, reason: "not a JWS" };
  }
  const der = header.x5c?.[0];
  if (header.alg !== "RS256" || header.typ !== "recert-checkpoint+jws" || !der)
    return { ok: false, reason: "not a Recert checkpoint (RS256, typ recert-checkpoint+jws, x5c)" };
  const fingerprint = createHash("sha256").update(Buffer.from(der, "base64")).digest("hex");
  if (fingerprint !== trustedFingerprint.toLowerCase().replace(/:/g, ""))
    return { ok: false, reason: `signed by another certificate (SHA-256 ${fingerprint})` };
  try {
    const pem = `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----`;
    const { payload } = await compactVerify(jws, await importX509(pem, "RS256"));
    return {
      ok: true,
      payload: JSON.parse(new TextDecoder().decode(payload)) as CheckpointPayload,
      signerFingerprint: fingerprint,
    };
  } catch {
    return { ok: false, reason: "its signature does not verify" };
  }
}

/** Every checkpoint, oldest first (export them to keep a copy outside this database). */
export async function listCheckpoints(db: Pick<Db, "auditCheckpoint">): Promise<StoredCheckpoint[]> {
  const rows = await db.auditCheckpoint.findMany({ orderBy: { id: "asc" } });
  return rows.map((r) => ({
    id: r.id,
    seq: r.seq,
    hash: r.headHash,
    at: r.at.toISOString(),
    reason: r.reason,
    jws: r.jws,
  }));
}
