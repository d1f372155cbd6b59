/** `npm run verify -- …` as an auditor runs it: a child process, its exit code and output (tests of the CLI). */
import { spawnSync } from "node:child_process";
import path from "node:path";

export function runVerify(...args: string[]) {
  return spawnSync(
    process.execPath,
    [path.join("node_modules", "tsx", "dist", "cli.mjs"), "scripts/verify.ts", ...args],
    {
      encoding: "utf8",
    },
  );
}
