/** Applies pending migrations for the engine DATABASE_URL names (`npm run db:migrate`). */
import { migrate } from "../lib/db/migrate";

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, "//$1:***@");
}

const url = process.env.DATABASE_URL || "file:./data/recert.db";
migrate(url)
  .then((r) => {
    console.log(
      `Database ${redact(url)}: ${r.applied.length ? `applied ${r.applied.join(", ")}` : "up to date"} (${r.alreadyApplied} already applied).`,
    );
  })
  .catch((e: Error) => {
    console.error(`Migration failed for ${redact(url)}: ${e.message}`);
    process.exit(1);
  });
