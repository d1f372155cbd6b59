import path from "node:path";
import { defineConfig } from "prisma/config";

// DATABASE_URL picks the engine, and with it the schema and migrations folder (see scripts/db-schema.ts).
const url = process.env.DATABASE_URL || "file:./data/recert.db";
const provider = /^postgres(ql)?:\/\//.test(url) ? "postgresql" : "sqlite";

export default defineConfig({
  experimental: { adapter: true },
  // The JS/Wasm engines: no Rust binary is downloaded, so installs and migrations work offline.
  engine: "js",
  schema: path.join("prisma", provider, "schema.prisma"),
  migrations: { path: path.join("prisma", provider, "migrations") },
  async adapter() {
    if (provider === "postgresql") {
      const { PrismaPg } = await import("@prisma/adapter-pg");
      return new PrismaPg({ connectionString: url });
    }
    const { PrismaBetterSQLite3 } = await import("@prisma/adapter-better-sqlite3");
    return new PrismaBetterSQLite3({ url });
  },
});
