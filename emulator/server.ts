import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { loadConfig, type EmulatorConfig } from "./config";
import { control } from "./control";
import { Faults } from "./faults";
import { GraphRouter } from "./graph/router";
import { graphError, html, json, readRequest, send, type Req, type Res } from "./http";
import { mailboxPage } from "./graph/mail";
import { createKeySet, type KeySet, sign } from "./oidc/keys";
import { Oidc } from "./oidc/oidc";
import { generateTenant } from "./tenant/generate";
import type { Tenant } from "./tenant/model";
import { registerRecertApps } from "./tenant/recert-apps";
import { generateSecondTenant } from "./tenant/second-tenant";
import { ensureLocalTls } from "./tls";

export { generateTenant, tenantSummary } from "./tenant/generate";
export type { EmulatorConfig } from "./config";
export type { Tenant } from "./tenant/model";

export interface RunningEmulator {
  url: string;
  config: EmulatorConfig;
  readonly tenant: Tenant;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function build(cfg: EmulatorConfig): Tenant {
  const t = generateTenant({
    seed: cfg.seed,
    users: cfg.users,
    tenantId: cfg.tenantId,
    now: cfg.now,
    recertClientId: cfg.clientId,
    recertClientSecret: cfg.clientSecret,
    recertAppIdUri: cfg.appIdUri,
    redirectUris: cfg.redirectUris,
    password: cfg.password,
    onPremisesShare: cfg.onPremisesShare,
  });
  return registerRecertApps(t, cfg);
}

/**
 * POST /_emulator/sign {claims, lifetimeS}: any claims signed with the tenant's real key, for tests that need tokens
 * Entra could have issued in another flow (a person's delegated token for Recert's API, an ID token), so the
 * evidence API's refusals are tested against genuine signatures. Guarded by the admin key like all of /_emulator.
 */
async function signForTests(req: Req, cfg: EmulatorConfig, keys: KeySet): Promise<Res> {
  if (req.headers["x-emulator-admin-key"] !== cfg.adminKey)
    return json(401, { error: "x-emulator-admin-key header missing or wrong" });
  const body = JSON.parse(req.body || "{}") as { claims?: Record<string, unknown>; lifetimeS?: number };
  return json(200, { token: await sign(keys, body.claims ?? {}, body.lifetimeS ?? 3599) });
}

/** Starts the emulator. Port 0 picks a free port, and the public URL follows it. */
export interface WriteRecord {
  method: string;
  path: string;
  status: number;
  at: number;
}

export async function startEmulator(overrides: Partial<EmulatorConfig> = {}): Promise<RunningEmulator> {
  const cfg: EmulatorConfig = { ...loadConfig([], {} as NodeJS.ProcessEnv, "/nonexistent"), ...overrides };
  let tenant = build(cfg);
  let second = generateSecondTenant(cfg);
  const keys = await createKeySet();
  const current = () => tenant;
  const oidc = new Oidc(cfg, current, keys, () => [second]);
  // Another organisation in the same cloud (tenant/second-tenant.ts): its own endpoints under its id or domain.
  const oidcSecond = new Oidc(
    cfg,
    () => second,
    keys,
    () => [tenant],
  );
  const isSecond = (path: string) => {
    const seg = path.split("/")[1]?.toLowerCase();
    return seg === second.id || seg === second.domain;
  };
  const graph = new GraphRouter(cfg, current, keys);
  // Every write Graph carried out or refused, in order (GET /_emulator/writes): tests count removals, e.g. that two
  // app instances and two schedulers applied a revocation once between them.
  const writes: WriteRecord[] = [];
  const dispatch = async (req: Req, caller: Parameters<GraphRouter["dispatch"]>[1]): Promise<Res> => {
    const res = await graph.dispatch(req, caller);
    if (req.method !== "GET") {
      if (writes.length >= 100_000) writes.splice(0, 10_000); // a long demo keeps the recent ones
      writes.push({ method: req.method, path: req.path.replace(/^\/v1\.0/, ""), status: res.status, at: Date.now() });
    }
    return res;
  };
  const faults = new Faults(cfg.seed, cfg.throttle, cfg.faultRate, cfg.latencyMs);

  const handleGraph = async (req: Req): Promise<Res | "drop"> => {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const path = req.path.replace(/^\/v1\.0/, "");
    const fault = faults.next(path);
    if (fault?.kind === "drop") return "drop";
    if (fault?.kind === "badRequest") return graphError(400, "BadRequest", "Invalid request.", req);
    if (fault?.kind === "unavailable")
      return graphError(503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry later.", req, {
        "Retry-After": String(cfg.retryAfterS),
      });
    if (fault?.kind === "throttle") {
      // Conditional-access 429s carry no Retry-After; directory paths do.
      const ca = path.startsWith("/identity/conditionalAccess");
      return graphError(429, "TooManyRequests", "Too many requests.", req, {
        ...(ca ? {} : { "Retry-After": String(cfg.retryAfterS) }),
        "x-ms-throttle-scope": `Tenant_Application/ReadWrite/${cfg.tenantId}/${cfg.clientId}`,
        "x-ms-throttle-information": "ResourceUnitLimitExceeded",
      });
    }
    const caller = await graph.authenticate(req);
    if ("status" in caller) return caller;
    if (path === "/$batch" && req.method === "POST") return batch(req, caller);
    return dispatch(req, caller);
  };

  const batch = async (req: Req, caller: Parameters<GraphRouter["dispatch"]>[1]): Promise<Res> => {
    let body: {
      requests?: {
        id?: string;
        method?: string;
        url?: string;
        headers?: Record<string, string>;
        body?: unknown;
        dependsOn?: string[];
      }[];
    };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return graphError(400, "BadRequest", "Invalid batch payload format.", req);
    }
    const requests = body.requests ?? [];
    if (requests.length === 0 || requests.length > 20)
      return graphError(
        400,
        "BadRequest",
        "Invalid batch payload: the number of requests must be between 1 and 20.",
        req,
      );
    const ids = new Set<string>();
    for (const r of requests) {
      if (!r.id || ids.has(r.id))
        return graphError(400, "BadRequest", "Batch request ids must be present and unique.", req);
      ids.add(r.id);
      if (!r.url || /^https?:/i.test(r.url))
        return graphError(400, "BadRequest", "Batch request urls must be relative.", req);
      if (r.body !== undefined && !Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === "content-type"))
        return graphError(
          400,
          "BadRequest",
          `Write request id : ${r.id} does not contain Content-Type header or body.`,
          req,
        );
    }
    const results = new Map<string, { id: string; status: number; headers: Record<string, string>; body: unknown }>();
    for (const r of requests) {
      if (r.dependsOn?.some((d) => (results.get(d)?.status ?? 0) >= 400)) {
        results.set(r.id!, {
          id: r.id!,
          status: 424,
          headers: {},
          body: { error: { code: "FailedDependency", message: "Failed dependency." } },
        });
        continue;
      }
      const url = new URL(`/v1.0${r.url!.startsWith("/") ? "" : "/"}${r.url}`, cfg.publicUrl);
      const inner: Req = {
        method: (r.method ?? "GET").toUpperCase(),
        url,
        path: decodeURIComponent(url.pathname),
        headers: { ...req.headers, ...lower(r.headers ?? {}) },
        body: r.body === undefined ? "" : JSON.stringify(r.body),
        raw: req.raw,
      };
      const fault = faults.next(inner.path.replace(/^\/v1\.0/, ""));
      let res: Res;
      if (fault?.kind === "throttle")
        res = graphError(429, "TooManyRequests", "Too many requests.", inner, {
          "Retry-After": String(cfg.retryAfterS),
        });
      else if (fault?.kind === "badRequest") res = graphError(400, "BadRequest", "Invalid request.", inner);
      else if (fault)
        res = graphError(503, "ServiceUnavailable", "The service is temporarily unavailable.", inner, {
          "Retry-After": String(cfg.retryAfterS),
        });
      else res = await dispatch(inner, caller);
      const text = String(res.body);
      results.set(r.id!, {
        id: r.id!,
        status: res.status,
        headers: res.headers,
        body: text && res.headers["content-type"]?.includes("json") ? JSON.parse(text) : text || undefined,
      });
    }
    // Graph answers in any order; reversing keeps tests honest about matching by id.
    return json(200, { responses: [...results.values()].reverse() });
  };

  const tls = cfg.https ? ensureLocalTls(cfg.tlsDir) : undefined;
  const server: Server = (tls ? createHttpsServer.bind(null, { cert: tls.cert, key: tls.key }) : createServer)(
    (raw, res) => {
      void (async () => {
        let req: Req | undefined;
        try {
          req = await readRequest(raw, cfg.publicUrl);
          let out: Res | "drop" | undefined;
          if (req.path.startsWith("/v1.0/") || req.path === "/v1.0") out = await handleGraph(req);
          else if (req.path === "/_emulator/sign" && req.method === "POST") out = await signForTests(req, cfg, keys);
          else if (req.path.startsWith("/_emulator/"))
            out = control(req, {
              cfg,
              tenant: current,
              faults,
              delta: graph.delta,
              mail: graph.mail,
              writes,
              reset: () => {
                tenant = build(cfg);
                second = generateSecondTenant(cfg);
              },
              second: () => second,
            });
          else if (req.path === "/mailbox" && req.method === "GET") out = html(200, mailboxPage(graph.mail));
          else if (req.path === "/" || req.path === "/health")
            out = json(200, { status: "ok", tenantId: cfg.tenantId, users: tenant.users.length });
          else out = await (isSecond(req.path) ? oidcSecond : oidc).handle(req);
          if (out === "drop") {
            raw.socket.destroy();
            return;
          }
          send(res, out ?? json(404, { error: "not_found", error_description: `No emulator endpoint at ${req.path}` }));
        } catch (e) {
          console.error("[emulator] internal error", e);
          if (!res.headersSent)
            send(
              res,
              req
                ? graphError(500, "InternalServerError", "Internal emulator error.", req)
                : json(500, { error: "internal" }),
            );
        }
      })();
    },
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.port, cfg.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  if (overrides.port === 0 || cfg.port === 0)
    cfg.publicUrl = overrides.publicUrl ?? `${tls ? "https" : "http"}://${tls ? "localhost" : cfg.host}:${port}`;
  cfg.port = port;
  return {
    url: cfg.publicUrl,
    config: cfg,
    get tenant() {
      return tenant;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
