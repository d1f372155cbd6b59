/**
 * Large immutable bytes (frozen report files, #17) in the ReportBlob table, by their SHA-256, written and read through
 * the database driver rather than Prisma's query engine: a 56 MB report JSON took 5.3 s and 2.6 GB of memory to store
 * through Prisma and 5.5 s / 3.7 GB to read back (bench report, 104,293 items); through the driver it is a single
 * statement with the bytes as one binary parameter. Content-addressed: a key can only ever hold the bytes it names, a
 * second write of the same bytes is a no-op, and every read is checked against the key.
 *
 * SQLite: the client's one connection (so, called inside one of its interactive transactions, the write belongs to
 * that transaction). PostgreSQL: a connection of the client's pool, committed on its own; a blob whose transaction
 * then fails is an orphan nobody references, never a reference without its bytes.
 */
import { createHash } from "node:crypto";
import { pgPoolOf, sqliteHandleOf } from "./client";
import { dialectOf, type SqlRunner } from "./sql";

export class BlobError extends Error {
  override readonly name = "BlobError";
}

/** How many bytes of a blob one PostgreSQL read returns (see getBlob). */
export const BLOB_PIECE = 4 * 1024 * 1024;

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function connected(db: SqlRunner): Promise<void> {
  await db.$queryRawUnsafe("SELECT 1"); // the driver handle exists once the client has connected
}

/** Stores bytes under their SHA-256 (given, and checked); returns the key. */
export async function putBlob(db: SqlRunner, content: Buffer, key = sha256(content)): Promise<string> {
  if (key !== sha256(content)) throw new BlobError("putBlob: the key is not the SHA-256 of the bytes");
  await connected(db);
  if (dialectOf(db).engine === "sqlite") {
    const h = sqliteHandleOf(db);
    if (!h) throw new BlobError("putBlob: no SQLite connection");
    h.prepare(`INSERT INTO "ReportBlob" ("sha256", "size", "content") VALUES (?, ?, ?) ON CONFLICT DO NOTHING`).run(
      key,
      content.length,
      content,
    );
  } else {
    const pool = pgPoolOf(db);
    if (!pool) throw new BlobError("putBlob: no PostgreSQL pool");
    await pool.query(
      `INSERT INTO "ReportBlob" ("sha256", "size", "content") VALUES ($1, $2, $3) ON CONFLICT ("sha256") DO NOTHING`,
      [key, content.length, content],
    );
  }
  return key;
}

/** The bytes stored under a SHA-256, checked against it; null when there are none. */
export async function getBlob(db: SqlRunner, key: string): Promise<Buffer | null> {
  await connected(db);
  let content: Buffer | undefined;
  if (dialectOf(db).engine === "sqlite") {
    const h = sqliteHandleOf(db);
    if (!h) throw new BlobError("getBlob: no SQLite connection");
    const row = h.prepare(`SELECT "content" FROM "ReportBlob" WHERE "sha256" = ?`).get(key) as
      | { content: Buffer }
      | undefined;
    content = row?.content;
  } else {
    const pool = pgPoolOf(db);
    if (!pool) throw new BlobError("getBlob: no PostgreSQL pool");
    // In pieces of 4 MB, each as base64: read whole, a 56 MB report JSON came as one 112 MB hex message that
    // node-postgres gathered chunk by chunk, made into one string and decoded (about 2 s per 34 MB on the 2-core bench
    // machine, where PostgreSQL's own detoasting took 0.07-0.25 s); in pieces the same bytes took 0.54-0.63 s. The
    // bytes are immutable, so pieces read at different moments belong together; the hash below checks the whole.
    const head = await pool.query<{ size: string | number }>(
      `SELECT length("content") AS "size" FROM "ReportBlob" WHERE "sha256" = $1`,
      [key],
    );
    if (head.rows[0]) {
      const size = Number(head.rows[0].size);
      const parts: Buffer[] = [];
      for (let at = 0; at < size; at += BLOB_PIECE) {
        const r = await pool.query<{ piece: string }>(
          `SELECT encode(substring("content" FROM $2 FOR $3), 'base64') AS "piece" FROM "ReportBlob" WHERE "sha256" = $1`,
          [key, at + 1, BLOB_PIECE],
        );
        if (!r.rows[0]) throw new BlobError(`The stored bytes of ${key} went away while being read.`);
        parts.push(Buffer.from(r.rows[0].piece, "base64")); // PostgreSQL's base64 has line breaks; Node skips them
      }
      content = Buffer.concat(parts);
    }
  }
  if (!content) return null;
  if (sha256(content) !== key) throw new BlobError(`The stored bytes of ${key} no longer match their SHA-256.`);
  return content;
}

/** A ReportArtifact's bytes: in its own row for files frozen before ReportBlob existed, else the blob of its hash. */
export async function artifactContent(
  db: SqlRunner,
  row: { content: Uint8Array; size: number; sha256: string },
): Promise<Buffer | null> {
  if (row.content.length > 0 || row.size === 0) {
    const inline = Buffer.from(row.content);
    if (sha256(inline) !== row.sha256)
      throw new BlobError(`The stored bytes of ${row.sha256} no longer match their SHA-256.`);
    return inline;
  }
  return getBlob(db, row.sha256);
}
