import "server-only";
import {
  Client,
  HTTPMessageHandler,
  ResponseType,
  type Context,
  type Middleware,
} from "@microsoft/microsoft-graph-client";
import type { CertificateCredential } from "./certificate";
import { GraphError, GraphRetryBudgetError, networkReason, parseGraphError } from "./errors";
import { RETRIABLE_STATUS, retryDelayMs, Semaphore } from "./retry";
import { createTokenProvider, type TokenProvider } from "./token-provider";

export interface GraphClientOptions {
  /** GRAPH_BASE_URL, e.g. https://graph.microsoft.com or the emulator's URL. */
  baseUrl: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  /** A client secret or (recommended) a certificate: see createTokenProvider. */
  clientSecret?: string;
  certificate?: CertificateCredential;
  /** The client-credentials scope; default: GRAPH_BASE_URL's origin + "/.default" (see graphScope). */
  scope?: string;
  maxConcurrency?: number;
  /** Total time one call may spend waiting to retry, across all its attempts. */
  retryBudgetMs?: number;
  onRequest?: (e: { method: string; url: string; status: number; attempt: number }) => void;
}

export interface GraphStats {
  requests: number;
  retries: number;
  throttled: number;
}

export interface PageOptions {
  select?: string[];
  top?: number;
  filter?: string;
  expand?: string;
  count?: boolean;
  headers?: Record<string, string>;
}

export interface BatchRequest {
  id: string;
  method: "GET" | "DELETE" | "PATCH" | "POST";
  url: string;
  body?: unknown;
}

export interface BatchResponse<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

export interface GraphClient {
  get<T = Record<string, unknown>>(path: string, options?: { headers?: Record<string, string> }): Promise<T>;
  pages<T = Record<string, unknown>>(path: string, options?: PageOptions): AsyncIterable<T[]>;
  delta<T = Record<string, unknown>>(
    resource: "users" | "groups",
    options: { select: string[]; deltaLink?: string },
  ): AsyncIterable<{ items: T[]; deltaLink?: string }>;
  batch<T = unknown>(requests: BatchRequest[]): Promise<Map<string, BatchResponse<T>>>;
  /** One raw call: the write path uses it. Resolves with status and parsed body; throws GraphError only for transport failures after retries. */
  send(
    method: BatchRequest["method"],
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown }>;
  readonly stats: GraphStats;
  readonly tokens: TokenProvider;
}

const BUDGET_HEADER = "x-recert-retry-budget-exhausted";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bearer token on every request; a 401 for an expired or revoked token gets one fresh token and one more try. */
class AuthMiddleware implements Middleware {
  private next?: Middleware;
  constructor(private readonly tokens: TokenProvider) {}
  setNext(next: Middleware) {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(context.options?.headers as HeadersInit | undefined);
      headers.set("Authorization", `Bearer ${await this.tokens.getToken()}`);
      context.options = { ...context.options, headers: Object.fromEntries(headers) };
      await this.next!.execute(context);
      if (context.response?.status !== 401 || attempt > 0) return;
      this.tokens.invalidate();
    }
  }
}

/** 429/503/504 and dropped connections: honour Retry-After, else back off with jitter, within the budget. */
class RetryMiddleware implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly stats: GraphStats,
    private readonly budgetMs: number,
    private readonly onRequest?: GraphClientOptions["onRequest"],
  ) {}
  setNext(next: Middleware) {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    const started = Date.now();
    const url = typeof context.request === "string" ? context.request : context.request.url;
    const method = context.options?.method ?? "GET";
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      let failure: GraphError | undefined;
      try {
        context.response = undefined;
        await this.next!.execute(context);
      } catch (e) {
        failure = new GraphError({
          status: 0,
          code: "networkError",
          message: `Connection to Graph failed: ${networkReason(e)}`,
        });
      }
      const status = context.response?.status ?? 0;
      this.onRequest?.({ method, url, status, attempt });
      if (!failure && !RETRIABLE_STATUS.has(status)) return;
      if (status === 429) this.stats.throttled++;
      const wait = retryDelayMs(attempt, context.response?.headers.get("retry-after"));
      if (!failure) {
        const text = await context
          .response!.clone()
          .text()
          .catch(() => "");
        failure = parseGraphError(status, text, context.response!.headers);
      }
      if (Date.now() - started + wait > this.budgetMs) {
        // The SDK re-wraps anything thrown in a middleware, so the verdict travels as a marked response.
        context.response = new Response(
          JSON.stringify({
            error: { code: failure.code, message: failure.message, innerError: { "request-id": failure.requestId } },
          }),
          {
            status: failure.status >= 400 ? failure.status : 503,
            headers: {
              "content-type": "application/json",
              [BUDGET_HEADER]: String(attempt + 1),
              // Kept for callers that schedule their own retry (the notice outbox honours Graph's wait).
              ...(context.response?.headers.get("retry-after")
                ? { "retry-after": context.response.headers.get("retry-after")! }
                : {}),
            },
          },
        );
        return;
      }
      this.stats.retries++;
      await sleep(wait);
    }
  }
}

/**
 * The Graph client Recert uses everywhere: Microsoft's SDK with our own middleware, absolute
 * nextLinks turned back into paths under the configured base URL (so a custom host works),
 * bounded concurrency and live counters for progress reporting.
 */
/** The client-credentials scope for the Graph service at this base URL (its origin + "/.default"). */
export function graphScope(baseUrl: string): string {
  return `${new URL(baseUrl).origin}/.default`;
}

export function createGraphClient(o: GraphClientOptions): GraphClient {
  const base = o.baseUrl.replace(/\/+$/, "");
  const versionRoot = `${base}/v1.0`;
  // The .default scope names the Graph service root of the cloud in use: graph.microsoft.us, microsoftgraph.
  // chinacloudapi.cn… ("Access national cloud deployments with the Microsoft Graph SDKs": any scope containing the
  // Graph domain must use the national cloud's). GRAPH_BASE_URL is that root, so the scope follows it.
  const tokens = createTokenProvider({ ...o, scope: o.scope ?? graphScope(base) });
  const stats: GraphStats = { requests: 0, retries: 0, throttled: 0 };
  const auth = new AuthMiddleware(tokens);
  const retry = new RetryMiddleware(stats, o.retryBudgetMs ?? 120_000, o.onRequest);
  auth.setNext(retry);
  retry.setNext(new HTTPMessageHandler());
  const sdk = Client.initWithMiddleware({ middleware: auth, baseUrl: `${base}/`, defaultVersion: "v1.0" });
  const gate = new Semaphore(o.maxConcurrency ?? 4);

  /** Paths relative to /v1.0; links Graph hands back are absolute under the same base. */
  const relative = (pathOrUrl: string): string => {
    if (!/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl.startsWith("/") ? pathOrUrl : `/${pathOrUrl}`;
    if (!pathOrUrl.startsWith(versionRoot))
      throw new GraphError({
        status: 0,
        code: "unexpectedLink",
        message: `Graph returned a link outside ${versionRoot}`,
      });
    return pathOrUrl.slice(versionRoot.length);
  };

  async function raw(
    method: BatchRequest["method"],
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return gate.run(async () => {
      let req = sdk.api(relative(path)).responseType(ResponseType.RAW);
      for (const [k, v] of Object.entries(headers)) req = req.header(k, v);
      switch (method) {
        case "GET":
          return (await req.get()) as Response;
        case "DELETE":
          return (await req.delete()) as Response;
        case "PATCH":
          return (await req.patch(body)) as Response;
        case "POST":
          return (await req.post(body)) as Response;
      }
    });
  }

  function budgetError(res: Response, text: string): GraphRetryBudgetError | undefined {
    const attempts = res.headers.get(BUDGET_HEADER);
    return attempts
      ? new GraphRetryBudgetError({
          attempts: Number(attempts),
          budgetMs: o.retryBudgetMs ?? 120_000,
          lastError: parseGraphError(res.status, text, res.headers),
        })
      : undefined;
  }

  async function json<T>(res: Response): Promise<T> {
    const text = await res.text();
    if (!res.ok) throw budgetError(res, text) ?? parseGraphError(res.status, text, res.headers);
    return (text ? JSON.parse(text) : {}) as T;
  }

  const query = (p: PageOptions = {}): string => {
    const parts: string[] = [];
    if (p.select?.length) parts.push(`$select=${p.select.join(",")}`);
    if (p.top) parts.push(`$top=${p.top}`);
    if (p.filter) parts.push(`$filter=${encodeURIComponent(p.filter)}`);
    if (p.expand) parts.push(`$expand=${p.expand}`);
    if (p.count) parts.push("$count=true");
    return parts.length ? `?${parts.join("&")}` : "";
  };

  return {
    stats,
    tokens,
    async get<T>(path: string, options: { headers?: Record<string, string> } = {}) {
      return json<T>(await raw("GET", path, undefined, options.headers));
    },
    async *pages<T>(path: string, options: PageOptions = {}) {
      // ConsistencyLevel must be resent on every page of an advanced query.
      let next: string | undefined = `${path}${query(options)}`;
      while (next) {
        const page: { value?: T[]; "@odata.nextLink"?: string } = await json(
          await raw("GET", next, undefined, options.headers),
        );
        yield page.value ?? [];
        next = page["@odata.nextLink"];
      }
    },
    async *delta<T>(resource: "users" | "groups", options: { select: string[]; deltaLink?: string }) {
      let next: string | undefined = options.deltaLink ?? `/${resource}/delta?$select=${options.select.join(",")}`;
      while (next) {
        const page: { value?: T[]; "@odata.nextLink"?: string; "@odata.deltaLink"?: string } = await json(
          await raw("GET", next),
        );
        const deltaLink = page["@odata.deltaLink"];
        yield { items: page.value ?? [], ...(deltaLink ? { deltaLink } : {}) };
        next = page["@odata.nextLink"];
      }
    },
    async batch<T>(requests: BatchRequest[]) {
      const out = new Map<string, BatchResponse<T>>();
      const started = Date.now();
      const budget = o.retryBudgetMs ?? 120_000;
      let pending = requests;
      for (let attempt = 0; pending.length > 0; attempt++) {
        const retryLater: BatchRequest[] = [];
        let wait = 0;
        const chunks: BatchRequest[][] = [];
        for (let i = 0; i < pending.length; i += 20) chunks.push(pending.slice(i, i + 20));
        await Promise.all(
          chunks.map(async (chunk) => {
            const payload = {
              requests: chunk.map((r) => ({
                id: r.id,
                method: r.method,
                // A nextLink Graph handed back may be queued as is: made relative, and refused outside the base.
                url: relative(r.url),
                ...(r.body !== undefined ? { body: r.body, headers: { "Content-Type": "application/json" } } : {}),
              })),
            };
            const res: { responses: { id: string; status: number; body: T; headers?: Record<string, string> }[] } =
              await json(await raw("POST", "/$batch", payload));
            for (const item of res.responses) {
              const original = chunk.find((r) => r.id === item.id);
              // Each item is throttled on its own: retry just those.
              if (original && RETRIABLE_STATUS.has(item.status)) {
                if (item.status === 429) stats.throttled++;
                retryLater.push(original);
                wait = Math.max(
                  wait,
                  retryDelayMs(attempt, item.headers?.["Retry-After"] ?? item.headers?.["retry-after"]),
                );
                out.set(item.id, { status: item.status, body: item.body, headers: item.headers ?? {} });
              } else out.set(item.id, { status: item.status, body: item.body, headers: item.headers ?? {} });
            }
          }),
        );
        if (retryLater.length === 0) break;
        if (Date.now() - started + wait > budget) break; // the last answers (429/503) stay in the map for the caller
        stats.retries += retryLater.length;
        await sleep(wait);
        pending = retryLater;
      }
      return out;
    },
    async send(method, path, body, headers) {
      const res = await raw(
        method,
        path,
        body,
        headers ?? (body !== undefined ? { "Content-Type": "application/json" } : {}),
      );
      const text = await res.text();
      const exhausted = budgetError(res, text);
      if (exhausted) throw exhausted;
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      return { status: res.status, body: parsed };
    },
  };
}
