/** Content-addressed blobs on the suite's engine: whole round trips across PostgreSQL's read pieces, and refusals. */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-db";
import { BLOB_PIECE, BlobError, getBlob, putBlob } from "./blobs";
import { createClient } from "./client";
import { dialectOf } from "./sql";

let tdb: TestDatabase;
let db: ReturnType<typeof createClient>;
beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createClient(tdb.url);
});
afterAll(async () => {
  await db.$disconnect();
  await tdb.drop();
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("blobs", () => {
  it("give back exactly the bytes stored, whatever their size against a read piece", async () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i)); // every byte value, NUL and 0xFF included
    const sizes = [0, 1, BLOB_PIECE - 1, BLOB_PIECE, BLOB_PIECE + 1, 2 * BLOB_PIECE + 3];
    for (const size of sizes) {
      const bytes = Buffer.concat([every, randomBytes(size)]).subarray(0, size);
      const key = await putBlob(db, bytes);
      expect(key).toBe(sha(bytes));
      const back = await getBlob(db, key);
      expect(back?.length, `size ${size}`).toBe(size);
      expect(back!.equals(bytes), `size ${size}`).toBe(true);
    }
  });

  it("refuse a key that is not the bytes' hash, answer null for an unknown key, and refuse bytes changed under their key", async () => {
    const bytes = randomBytes(BLOB_PIECE + 10);
    await expect(putBlob(db, bytes, sha(Buffer.from("other")))).rejects.toBeInstanceOf(BlobError);
    expect(await getBlob(db, sha(Buffer.from("never stored")))).toBeNull();
    const key = await putBlob(db, bytes);
    // One byte in the second piece changed behind Recert's back, by someone with the owner's rights who first takes the
    // append-only triggers away (this database is the test's own): the read must not pass the bytes off.
    const pg = dialectOf(db).engine === "postgresql";
    if (pg) await db.$executeRawUnsafe(`ALTER TABLE "ReportBlob" DISABLE TRIGGER USER`);
    else
      for (const t of await db.$queryRawUnsafe<{ name: string }[]>(
        `SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ReportBlob'`,
      ))
        await db.$executeRawUnsafe(`DROP TRIGGER "${t.name}"`);
    await db.$executeRawUnsafe(
      pg
        ? `UPDATE "ReportBlob" SET "content" = set_byte("content", ${BLOB_PIECE + 5}, (get_byte("content", ${BLOB_PIECE + 5}) + 1) % 256) WHERE "sha256" = $1`
        : `UPDATE "ReportBlob" SET "content" = CAST(substr("content", 1, ${BLOB_PIECE + 5}) || CASE WHEN substr("content", ${BLOB_PIECE + 6}, 1) = x'00' THEN x'01' ELSE x'00' END || substr("content", ${BLOB_PIECE + 7}) AS BLOB) WHERE "sha256" = ?`,
      key,
    );
    const [stored] = await db.$queryRawUnsafe<{ size: unknown; kind: string }[]>(
      pg
        ? `SELECT length("content") AS size, 'blob' AS kind FROM "ReportBlob" WHERE "sha256" = $1`
        : `SELECT length("content") AS size, typeof("content") AS kind FROM "ReportBlob" WHERE "sha256" = ?`,
      key,
    );
    expect([Number(stored!.size), stored!.kind]).toEqual([bytes.length, "blob"]); // one byte changed, nothing else
    await expect(getBlob(db, key)).rejects.toThrow(/no longer match their SHA-256/);
  });
});
