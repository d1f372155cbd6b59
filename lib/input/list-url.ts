/**
 * List state in the URL: pages parse `searchParams` once with a zod schema, then build every link from the
 * parsed state with `listUrl`, which leaves out values equal to their defaults so addresses stay short and
 * one state has one address.
 */
export type SearchParams = Record<string, string | string[] | undefined>;

/** The first value of a query parameter (repeated parameters are ignored past the first). */
export function one(raw: SearchParams, key: string): string | undefined {
  const v = raw[key];
  return Array.isArray(v) ? v[0] : v;
}

type Scalar = string | number | boolean | undefined;

export function listUrl<S extends Record<string, Scalar>>(
  path: string,
  state: S,
  defaults: Partial<S>,
): (change?: Partial<S>) => string {
  return (change = {}) => {
    const merged = { ...state, ...change };
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(merged)) {
      if (v === undefined || v === "" || v === defaults[k]) continue;
      p.set(k, String(v));
    }
    return `${path}${p.size ? `?${p}` : ""}`;
  };
}

/** Filter tabs from a list of keys: each links to page 1 of that filter. */
export function filterOptions<F extends string>(
  keys: readonly F[],
  label: (f: F) => string,
  current: F,
  href: (change: { filter: F; page: number }) => string,
) {
  return keys.map((f) => ({ label: label(f), href: href({ filter: f, page: 1 }), current: f === current }));
}

/** A page's query string parsed once with the list's schema (first value of each of the schema's keys). */
export async function parseSearch<S extends { shape: Record<string, unknown>; parse: (v: unknown) => unknown }>(
  searchParams: Promise<SearchParams>,
  schema: S,
): Promise<ReturnType<S["parse"]>> {
  const raw = await searchParams;
  return schema.parse(Object.fromEntries(Object.keys(schema.shape).map((k) => [k, one(raw, k)]))) as ReturnType<
    S["parse"]
  >;
}

export interface ListPageProps {
  searchParams: Promise<SearchParams>;
}
