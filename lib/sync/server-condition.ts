/**
 * lib/ modules start with `import "server-only"`, which throws unless Node resolves packages with the
 * `react-server` condition (as Next does for server code). Scripts run by plain `tsx` re-execute
 * themselves once with `--conditions=react-server`; returns false in the parent (which just waits).
 */
import { spawn } from "node:child_process";

export async function ensureServerCondition(): Promise<boolean> {
  if (process.execArgv.some((a) => a.includes("react-server")) || process.env.RECERT_REACT_SERVER === "1") return true;
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)],
    {
      stdio: "inherit",
      env: { ...process.env, RECERT_REACT_SERVER: "1" },
    },
  );
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGTERM", forward("SIGTERM"));
  const code = await new Promise<number>((resolve) => child.on("exit", (c, sig) => resolve(c ?? (sig ? 1 : 0))));
  process.exit(code);
}
