import "server-only";

/**
 * A failed Graph call, parsed from Graph's envelope
 * `{ error: { code, message, innerError: { "request-id", "client-request-id", date } } }`.
 * Built only from the response, never from the request, so it can never carry the bearer token.
 */
export class GraphError extends Error {
  override readonly name: string = "GraphError";
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly clientRequestId: string | undefined;
  readonly date: string | undefined;
  /** Seconds the Retry-After header asked to wait (429/503), when there was one. */
  readonly retryAfterS: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    requestId?: string;
    clientRequestId?: string;
    date?: string;
    retryAfterS?: number;
  }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.clientRequestId = init.clientRequestId;
    this.date = init.date;
    this.retryAfterS = init.retryAfterS;
  }
}

/** A delta link Graph no longer honours (410 / syncStateNotFound / resyncRequired): the caller must start a full sync. */
export class DeltaExpiredError extends GraphError {
  override readonly name = "DeltaExpiredError";
}

/** Retries stopped because the next wait would overrun the retry budget; `lastError` is the last failure seen. */
export class GraphRetryBudgetError extends GraphError {
  override readonly name = "GraphRetryBudgetError";
  readonly attempts: number;
  readonly lastError: GraphError;

  constructor(init: { attempts: number; budgetMs: number; lastError: GraphError }) {
    super({
      status: init.lastError.status,
      code: "retryBudgetExceeded",
      message: `Gave up after ${init.attempts} attempts within the ${Math.round(init.budgetMs / 1000)} s retry budget; last error: ${init.lastError.status} ${init.lastError.code}: ${init.lastError.message}`,
      ...(init.lastError.requestId ? { requestId: init.lastError.requestId } : {}),
      ...(init.lastError.clientRequestId ? { clientRequestId: init.lastError.clientRequestId } : {}),
    });
    this.attempts = init.attempts;
    this.lastError = init.lastError;
  }
}

/** Known token-endpoint error codes; others pass through as plain strings. */
export type GraphAuthErrorCode =
  | "invalid_client"
  | "unauthorized_client"
  | "invalid_request"
  | "invalid_scope"
  | "invalid_grant"
  | "discovery_failed"
  | "network_error"
  | (string & {});

/**
 * A failed client-credentials exchange. `aadsts` is Entra's diagnostic code
 * (AADSTS7000215 wrong secret, AADSTS7000222 expired secret, AADSTS700016 unknown app, AADSTS90002 unknown tenant).
 */
export class GraphAuthError extends Error {
  override readonly name = "GraphAuthError";
  readonly code: GraphAuthErrorCode;
  readonly aadsts: string | undefined;
  readonly status: number | undefined;

  constructor(init: { code: GraphAuthErrorCode; message: string; aadsts?: string; status?: number }) {
    super(init.message);
    this.code = init.code;
    this.aadsts = init.aadsts;
    this.status = init.status;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Reads a header from a Headers object or a plain record, case-insensitively (batch items carry plain records). */
export function headerValue(headers: Headers | Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

const DELTA_EXPIRED_CODES = new Set(["syncstatenotfound", "resyncrequired", "syncstateinvalid"]);

/** True when an error response means the delta token is dead and a full sync is needed. */
export function isDeltaExpired(status: number, code: string): boolean {
  return status === 410 || DELTA_EXPIRED_CODES.has(code.toLowerCase());
}

/**
 * Turns a non-2xx Graph response (already read as text or JSON) into a GraphError.
 * Tolerates bodies that are not Graph's envelope (proxies, gateways answer HTML or nothing).
 */
export function parseGraphError(status: number, body: unknown, headers?: Headers | Record<string, string>): GraphError {
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  const error = obj(obj(parsed)?.error);
  const inner = obj(error?.innerError) ?? obj(error?.innererror);
  const code = str(error?.code) ?? (status === 0 ? "networkError" : `http${status}`);
  const message =
    str(error?.message) ??
    (typeof body === "string" && body && !error ? body.slice(0, 200) : `Graph answered HTTP ${status}`);
  const requestId = str(inner?.["request-id"]) ?? headerValue(headers, "request-id");
  const clientRequestId = str(inner?.["client-request-id"]) ?? headerValue(headers, "client-request-id");
  const date = str(inner?.date);
  const retryAfter = Number(headerValue(headers, "retry-after"));
  const init = {
    status,
    code,
    message,
    ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterS: retryAfter } : {}),
    ...(requestId ? { requestId } : {}),
    ...(clientRequestId ? { clientRequestId } : {}),
    ...(date ? { date } : {}),
  };
  return isDeltaExpired(status, code) ? new DeltaExpiredError(init) : new GraphError(init);
}

/**
 * Parses Entra's token-endpoint error `{ error, error_description, error_codes }`.
 * The AADSTS code comes from `error_codes[0]`, else from the description's prefix.
 */
export function parseAuthError(body: unknown, status?: number): GraphAuthError {
  const o = obj(body);
  const code = str(o?.error) ?? "unknown_error";
  const description = str(o?.error_description) ?? `Token request failed${status ? ` with HTTP ${status}` : ""}`;
  const codes = Array.isArray(o?.error_codes) ? o.error_codes : [];
  const first = codes[0];
  const aadsts =
    typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))
      ? `AADSTS${first}`
      : /^(AADSTS\d+)/.exec(description)?.[1];
  // Entra appends trace and correlation ids on new lines; the first line is what an admin needs.
  const message = description.split(/\r?\n/)[0] ?? description;
  return new GraphAuthError({
    code,
    message,
    ...(aadsts ? { aadsts } : {}),
    ...(status !== undefined ? { status } : {}),
  });
}

/**
 * Why a request never got an answer, in words an admin can act on: fetch only says "fetch failed", the cause says
 * which (a certificate the server cannot verify, a refused connection, a name that does not resolve).
 */
export function networkReason(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause;
  if (!cause) return err.message;
  const code = cause.code && !cause.message?.includes(cause.code) ? `${cause.code}: ` : "";
  return `${err.message} (${code}${cause.message ?? "no detail"})`;
}
