/**
 * Creates the next migration for both engines without a shadow database (which the offline JS engine
 * cannot always provide): the diff goes from the schema as of the last migration, kept beside the
 * migrations as schema.snapshot.prisma, to the current one.
 *   npm run db:new-migration -- add_sync_tables
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PROVIDERS, writeSchemas } from "./db-schema";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:new-migration -- <snake_case_name>");
  process.exit(2);
}
writeSchemas();
const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
const prisma = path.join("node_modules", ".bin", "prisma");

for (const provider of PROVIDERS) {
  const dir = path.join("prisma", provider, "migrations");
  const schema = path.join("prisma", provider, "schema.prisma");
  const snapshot = path.join(dir, "schema.snapshot.prisma");
  mkdirSync(dir, { recursive: true });
  const from = existsSync(snapshot) ? ["--from-schema-datamodel", snapshot] : ["--from-empty"];
  const env = {
    ...process.env,
    DATABASE_URL:
      provider === "postgresql" ? "postgresql://recert:recert@127.0.0.1:5432/recert" : "file:./data/recert.db",
  };
  const sql = execFileSync(prisma, ["migrate", "diff", ...from, "--to-schema-datamodel", schema, "--script"], {
    env,
    encoding: "utf8",
  });
  if (!/CREATE|ALTER|DROP/i.test(sql)) {
    console.log(`${provider}: no changes`);
    continue;
  }
  const target = path.join(dir, `${stamp}_${name}`);
  mkdirSync(target, { recursive: true });
  writeFileSync(path.join(target, "migration.sql"), sql);
  writeFileSync(path.join(dir, "migration_lock.toml"), `provider = "${provider}"\n`);
  copyFileSync(schema, snapshot);
  console.log(`${provider}: ${target}`);
}
