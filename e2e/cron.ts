import { spawn } from "node:child_process";
import { E2E } from "../playwright.config";

/** One scheduler pass (cron's job) at a given time; not spawnSync, so the test worker stays responsive. */
export const schedulerPass = (now: Date) =>
  new Promise<{ status: number | null; out: string }>((resolve) => {
    const c = spawn("node_modules/.bin/tsx", ["scripts/scheduler.ts", "--now", now.toISOString()], {
      env: { ...(E2E.env as NodeJS.ProcessEnv), PATH: process.env.PATH },
    });
    let out = "";
    c.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    c.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    c.on("exit", (status) => resolve({ status, out }));
  });
