import { FilterError, parseFilter } from "./filter";
import { graphError, json, type Req, type Res } from "../http";
import { project } from "./serialize";

export interface Query {
  select?: string[];
  top?: number;
  filter?: string;
  count: boolean;
  expand?: string;
  skip: number;
  eventual: boolean;
}

export class QueryError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function parseQuery(req: Req): Query {
  const p = req.url.searchParams;
  if (p.has("$skip")) throw new QueryError("Request_BadRequest", "'$skip' is not supported by the service.");
  const select = p
    .get("$select")
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const topRaw = p.get("$top");
  const top = topRaw === null ? undefined : Number(topRaw);
  if (top !== undefined && (!Number.isInteger(top) || top < 1))
    throw new QueryError("Request_BadRequest", `Invalid value '${topRaw}' for query parameter $top.`);
  let skip = 0;
  // Delta rounds keep their own skiptoken format.
  const st = req.path.endsWith("/delta") ? null : p.get("$skiptoken");
  if (st) {
    try {
      skip = Number(JSON.parse(Buffer.from(st, "base64url").toString("utf8")).o);
    } catch {
      throw new QueryError("Request_BadRequest", "The specified page token value has expired or is invalid.");
    }
  }
  return {
    select,
    top,
    filter: p.get("$filter") ?? undefined,
    count: p.get("$count") === "true",
    expand: p.get("$expand") ?? undefined,
    skip,
    eventual: String(req.headers.consistencylevel ?? "").toLowerCase() === "eventual",
  };
}

/**
 * One page of a collection. `items` is a function so unfiltered pages cost O(page), not O(n).
 * nextLink keeps every query option and carries the offset in an opaque $skiptoken.
 */
export function page(
  req: Req,
  publicUrl: string,
  context: string,
  q: Query,
  source: { length: number; at(i: number): Record<string, unknown> | undefined },
  opts: { maxTop: number; defaultTop?: number; defaults?: string[]; filterable?: boolean },
): Res {
  const top = q.top ?? opts.defaultTop ?? 100;
  if (top > opts.maxTop)
    return graphError(
      400,
      "Request_BadRequest",
      `Invalid page size specified: '${top}'. Must be between 1 and ${opts.maxTop} inclusive.`,
      req,
    );
  let list = source;
  if (q.filter) {
    if (opts.filterable === false) return graphError(400, "Request_UnsupportedQuery", "Unsupported query.", req);
    let parsed: ReturnType<typeof parseFilter>;
    try {
      parsed = parseFilter(q.filter);
    } catch (e) {
      return graphError(
        400,
        "Request_UnsupportedQuery",
        e instanceof FilterError ? e.message : "Invalid filter clause",
        req,
      );
    }
    if (parsed.advanced && !(q.eventual && q.count)) {
      return graphError(
        400,
        "Request_UnsupportedQuery",
        "Operator 'ne' or 'not' is not supported because the 'ConsistencyLevel:eventual' header is missing. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
        req,
      );
    }
    const filtered: Record<string, unknown>[] = [];
    for (let i = 0; i < source.length; i++) {
      const o = source.at(i);
      if (o && parsed.pred(o)) filtered.push(o);
    }
    list = { length: filtered.length, at: (i) => filtered[i] };
  }
  if (q.count && !q.eventual)
    return graphError(
      400,
      "Request_BadRequest",
      "$count is not currently supported without the ConsistencyLevel:eventual header.",
      req,
    );
  const value: Record<string, unknown>[] = [];
  for (let i = q.skip; i < Math.min(list.length, q.skip + top); i++) {
    const o = list.at(i);
    if (o) value.push(project(o, q.select, opts.defaults));
  }
  // Graph names the selected properties in the context URL: $metadata#users(id,displayName).
  const selected = q.select?.length ? `(${q.select.join(",")})` : "";
  const body: Record<string, unknown> = { "@odata.context": `${publicUrl}/v1.0/$metadata#${context}${selected}` };
  if (q.count && q.skip === 0) body["@odata.count"] = list.length;
  if (q.skip + top < list.length) {
    const params = [...req.url.searchParams].filter(([k]) => k !== "$skiptoken");
    params.push(["$skiptoken", Buffer.from(JSON.stringify({ o: q.skip + top })).toString("base64url")]);
    body["@odata.nextLink"] = odataUrl(publicUrl, req.url.pathname, params);
  }
  body.value = value;
  return json(200, body);
}

/** Links as Graph writes them: `$` options literal, commas and parentheses left readable. */
export function odataUrl(base: string, path: string, params: [string, string][]): string {
  const enc = (v: string) =>
    encodeURIComponent(v)
      .replace(/%2C/g, ",")
      .replace(/%24/g, "$")
      .replace(/%28/g, "(")
      .replace(/%29/g, ")")
      .replace(/%3D/g, "=");
  return `${base}${path}?${params.map(([k, v]) => `${k}=${enc(v)}`).join("&")}`;
}
