/** A fresh test database and a connected client for one test file (both engines): `beforeAll` makes them, `afterAll` drops them. */
import { afterAll, beforeAll } from "vitest";
import { createClient } from "@/lib/db/client";
import { createTestDatabase, type TestDatabase } from "@/scripts/lib/test-db";

export function connectedDatabase(): { database: TestDatabase; client: ReturnType<typeof createClient> } {
  const it = {} as { database: TestDatabase; client: ReturnType<typeof createClient> };
  beforeAll(async () => {
    it.database = await createTestDatabase();
    it.client = createClient(it.database.url);
    await it.client.$queryRawUnsafe("SELECT 1"); // the driver handles exist once the client has connected
  });
  afterAll(async () => {
    await it.client?.$disconnect();
    await it.database?.drop();
  });
  return it;
}
