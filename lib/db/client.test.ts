/**
 * The driver handles behind a client (lib/db/client.ts) must be found by every copy of the module: Next.js bundles
 * lib/db/client.ts more than once, and a copy that did not create the client must still reach its connection
 * (blob writes at a campaign's close went through such a copy and failed with "no SQLite connection").
 */
import { expect, test, vi } from "vitest";
import { connectedDatabase } from "@/tests/support/database";
import * as firstCopy from "./client";
import { createClient } from "./client";
import { engineOfUrl } from "./sql";

const db = connectedDatabase();

test("a second copy of the module finds the driver handle of a client the first copy created", async () => {
  const { client, database } = db;
  vi.resetModules();
  const copy = await import("./client");
  expect(copy).not.toBe(firstCopy); // a second evaluation of the module, as in a second Next.js bundle
  const pg = engineOfUrl(database.url) === "postgresql";
  for (const m of [copy, firstCopy]) {
    if (pg) {
      expect(m.pgPoolOf(client)).toBeDefined();
      expect(m.sqliteHandleOf(client)).toBeUndefined();
    } else {
      expect(m.sqliteHandleOf(client)?.open).toBe(true);
      expect(m.pgPoolOf(client)).toBeUndefined();
    }
  }
  // A client that never connected has no handle yet, in any copy.
  const idle = createClient(database.url);
  expect(copy.sqliteHandleOf(idle) ?? copy.pgPoolOf(idle)).toBeUndefined();
  await idle.$disconnect();
});
