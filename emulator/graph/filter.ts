/**
 * The $filter subset Recert and its tests use: eq/ne/gt/ge/lt/le, and/or/not, parentheses, in (...),
 * startswith/endswith, string/bool/null/number/date literals, and paths like signInActivity/lastSignInDateTime.
 */
export type Pred = (o: Record<string, unknown>) => boolean;

export class FilterError extends Error {}

interface Tok {
  t: "id" | "str" | "num" | "lp" | "rp" | "comma" | "date";
  v: string;
}

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(") {
      out.push({ t: "lp", v: c });
      i++;
    } else if (c === ")") {
      out.push({ t: "rp", v: c });
      i++;
    } else if (c === ",") {
      out.push({ t: "comma", v: c });
      i++;
    } else if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= s.length) throw new FilterError("Unterminated string literal.");
        if (s[i] === "'" && s[i + 1] === "'") {
          v += "'";
          i += 2;
        } else if (s[i] === "'") {
          i++;
          break;
        } else v += s[i++];
      }
      out.push({ t: "str", v });
    } else {
      const m = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z?)|^(-?\d+(\.\d+)?)(?![\w-])|^([A-Za-z_@][\w./@]*)/.exec(s.slice(i));
      if (!m) throw new FilterError(`Syntax error at position ${i} in '${s}'.`);
      if (m[1]) out.push({ t: "date", v: m[1] });
      else if (m[2]) out.push({ t: "num", v: m[2] });
      else out.push({ t: "id", v: m[4]! });
      i += m[0].length;
    }
  }
  return out;
}

function get(o: Record<string, unknown>, path: string): unknown {
  let cur: unknown = o;
  for (const part of path.split("/")) {
    if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return Number(a) - Number(b);
}

export interface ParsedFilter {
  pred: Pred;
  advanced: boolean;
}

export function parseFilter(src: string): ParsedFilter {
  const toks = lex(src);
  let p = 0;
  let advanced = false;
  const peek = () => toks[p];
  const take = (t?: Tok["t"], v?: string): Tok => {
    const k = toks[p];
    if (!k || (t && k.t !== t) || (v && k.v.toLowerCase() !== v))
      throw new FilterError(`Invalid filter clause: unexpected '${k?.v ?? "end"}'.`);
    p++;
    return k;
  };
  const literal = (): unknown => {
    const k = take();
    if (k.t === "str" || k.t === "date") return k.v;
    if (k.t === "num") return Number(k.v);
    if (k.t === "id" && k.v === "true") return true;
    if (k.t === "id" && k.v === "false") return false;
    if (k.t === "id" && k.v === "null") return null;
    throw new FilterError(`Invalid literal '${k.v}'.`);
  };
  const primary = (): Pred => {
    const k = peek();
    if (!k) throw new FilterError("Unexpected end of filter.");
    if (k.t === "lp") {
      take("lp");
      const e = expr();
      take("rp");
      return e;
    }
    if (k.t === "id" && k.v.toLowerCase() === "not") {
      take();
      advanced = true;
      const inner = primary();
      return (o) => !inner(o);
    }
    if (k.t === "id" && ["startswith", "endswith"].includes(k.v.toLowerCase())) {
      const fn = take().v.toLowerCase();
      if (fn === "endswith") advanced = true;
      take("lp");
      const prop = take("id").v;
      take("comma");
      const lit = String(literal()).toLowerCase();
      take("rp");
      return (o) => {
        const v = get(o, prop);
        if (typeof v !== "string") return false;
        return fn === "startswith" ? v.toLowerCase().startsWith(lit) : v.toLowerCase().endsWith(lit);
      };
    }
    const prop = take("id").v;
    const op = take("id").v.toLowerCase();
    if (op === "in") {
      take("lp");
      const values: unknown[] = [literal()];
      while (peek()?.t === "comma") {
        take("comma");
        values.push(literal());
      }
      take("rp");
      return (o) => values.includes(get(o, prop));
    }
    const lit = literal();
    const eq = (v: unknown) =>
      typeof v === "string" && typeof lit === "string" ? v.toLowerCase() === lit.toLowerCase() : (v ?? null) === lit;
    switch (op) {
      case "eq":
        return (o) => eq(get(o, prop));
      case "ne":
        advanced = true;
        return (o) => !eq(get(o, prop));
      case "gt":
        return (o) => get(o, prop) != null && cmp(get(o, prop), lit) > 0;
      case "ge":
        return (o) => get(o, prop) != null && cmp(get(o, prop), lit) >= 0;
      case "lt":
        return (o) => get(o, prop) != null && cmp(get(o, prop), lit) < 0;
      case "le":
        return (o) => get(o, prop) != null && cmp(get(o, prop), lit) <= 0;
      default:
        throw new FilterError(`Unsupported operator '${op}'.`);
    }
  };
  const andExpr = (): Pred => {
    let left = primary();
    while (peek()?.t === "id" && peek()!.v.toLowerCase() === "and") {
      take();
      const l = left;
      const r = primary();
      left = (o) => l(o) && r(o);
    }
    return left;
  };
  const expr = (): Pred => {
    let left = andExpr();
    while (peek()?.t === "id" && peek()!.v.toLowerCase() === "or") {
      take();
      const l = left;
      const r = andExpr();
      left = (o) => l(o) || r(o);
    }
    return left;
  };
  const pred = expr();
  if (p !== toks.length) throw new FilterError(`Invalid filter clause: unexpected '${toks[p]!.v}'.`);
  return { pred, advanced };
}
