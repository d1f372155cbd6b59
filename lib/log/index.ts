/**
 * Structured logs (#20): one JSON object per line (info on stdout, warnings and errors on stderr), so several app instances and schedulers can be collected
 * and searched together. Fields: `time` (ISO, UTC), `level`, `msg`, `requestId` when the line belongs to a request
 * (proxy.ts gives every request one and returns it as `x-request-id`), then the caller's fields. Never log secrets.
 */
export type Level = "info" | "warn" | "error";

/** The request id of the request being served, when there is one (none in CLIs and background work). */
async function currentRequestId(): Promise<string | undefined> {
  try {
    const { headers } = await import("next/headers");
    return (await headers()).get("x-request-id") ?? undefined;
  } catch {
    return undefined;
  }
}

function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.message, errorName: err.name };
  return err === undefined ? {} : { error: String(err) };
}

/** Writes the line now; the request id is looked up first when the caller did not pass one. */
export async function log(level: Level, msg: string, fields: Record<string, unknown> = {}, err?: unknown) {
  const requestId = (fields.requestId as string | undefined) ?? (await currentRequestId());
  const line = {
    time: new Date().toISOString(),
    level,
    msg,
    ...(requestId ? { requestId } : {}),
    ...fields,
    ...errorFields(err),
  };
  (level === "info" ? process.stdout : process.stderr).write(`${JSON.stringify(line)}\n`);
}

export const logError = (msg: string, err?: unknown, fields: Record<string, unknown> = {}) =>
  void log("error", msg, fields, err);
export const logWarn = (msg: string, fields: Record<string, unknown> = {}) => void log("warn", msg, fields);
