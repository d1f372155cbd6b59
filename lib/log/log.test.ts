import { afterEach, describe, expect, test, vi } from "vitest";
import { log, logError } from "./index";

afterEach(() => vi.restoreAllMocks());

function capture(stream: NodeJS.WriteStream): string[] {
  const lines: string[] = [];
  vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

describe("structured logs", () => {
  test("one JSON object per line, problems on stderr, with the caller's fields and the error's message", async () => {
    const err = capture(process.stderr);
    await log("error", "sync failed", { runId: "r1", requestId: "req-1" }, new Error('bad "thing"\nhappened'));
    expect(err).toHaveLength(1);
    expect(err[0]!.endsWith("\n")).toBe(true);
    expect(err[0]!.slice(0, -1)).not.toContain("\n");
    const line = JSON.parse(err[0]!);
    expect(line).toMatchObject({
      level: "error",
      msg: "sync failed",
      runId: "r1",
      requestId: "req-1",
      error: 'bad "thing"\nhappened',
      errorName: "Error",
    });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  test("info goes to stdout; outside a request there is no request id", async () => {
    const out = capture(process.stdout);
    await log("info", "pass done", { sent: 3 });
    const line = JSON.parse(out[0]!);
    expect(line).toMatchObject({ level: "info", msg: "pass done", sent: 3 });
    expect(line.requestId).toBeUndefined();
  });

  test("logError never throws into its caller", async () => {
    const err = capture(process.stderr);
    expect(() => logError("x", { not: "an error" })).not.toThrow();
    await vi.waitFor(() => expect(err).toHaveLength(1));
    expect(JSON.parse(err[0]!).error).toBe("[object Object]");
  });
});
