// Generates the SQLite and PostgreSQL Prisma clients (runs on `npm ci` as postinstall).
// Each schema reads env("DATABASE_URL"); when it is unset or of the other engine, Prisma cannot read the
// schema, falls back to its defaults and tries to download an engine binary, so give each a URL of its kind.
import { execFileSync } from "node:child_process";
import path from "node:path";

const prisma = path.join("node_modules", ".bin", "prisma");
const urls = { sqlite: "file:./data/recert.db", postgresql: "postgresql://localhost:5432/recert" };
for (const [provider, url] of Object.entries(urls)) {
  execFileSync(prisma, ["generate", "--schema", path.join("prisma", provider, "schema.prisma")], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
}
console.log("Prisma clients generated (sqlite, postgresql).");
