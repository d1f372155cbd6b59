import { Rng } from "./random";

export interface FaultRule {
  throttle?: number;
  faultRate?: number;
  latencyMs?: number;
  pathPrefix?: string;
  /** With count: the next N matching requests fail (429 when throttle, 400 when badRequest, else 503). */
  count?: number;
  /** With count: answer 400 BadRequest, as Graph does for a query shape it refuses. */
  badRequest?: boolean;
}

export type Fault =
  | { kind: "throttle" }
  | { kind: "unavailable" }
  | { kind: "drop" }
  | { kind: "badRequest" }
  | undefined;

/** Decides, per Graph request, whether to answer 429, 503 or drop the connection. Deterministic for a seed. */
export class Faults {
  private rng: Rng;
  throttle: number;
  faultRate: number;
  latencyMs: number;
  private oneShots: { kind: "throttle" | "unavailable" | "drop" | "badRequest"; left: number; pathPrefix?: string }[] =
    [];

  constructor(seed: string, throttle: number, faultRate: number, latencyMs: number) {
    this.rng = new Rng(`faults:${seed}`);
    this.throttle = throttle;
    this.faultRate = faultRate;
    this.latencyMs = latencyMs;
  }

  configure(rule: FaultRule): void {
    if (rule.count !== undefined) {
      const kind = rule.badRequest
        ? "badRequest"
        : rule.throttle
          ? "throttle"
          : (rule.faultRate ?? 0) > 0
            ? "unavailable"
            : "drop";
      this.oneShots.push({ kind, left: rule.count, pathPrefix: rule.pathPrefix });
      return;
    }
    if (rule.throttle !== undefined) this.throttle = rule.throttle;
    if (rule.faultRate !== undefined) this.faultRate = rule.faultRate;
    if (rule.latencyMs !== undefined) this.latencyMs = rule.latencyMs;
  }

  reset(): void {
    this.oneShots = [];
    this.throttle = 0;
    this.faultRate = 0;
    this.latencyMs = 0;
  }

  next(path: string): Fault {
    const shot = this.oneShots.find((s) => s.left > 0 && (!s.pathPrefix || path.startsWith(s.pathPrefix)));
    if (shot) {
      shot.left -= 1;
      this.oneShots = this.oneShots.filter((s) => s.left > 0);
      return { kind: shot.kind };
    }
    if (this.throttle > 0 && this.rng.chance(this.throttle)) return { kind: "throttle" };
    if (this.faultRate > 0 && this.rng.chance(this.faultRate))
      return { kind: this.rng.chance(0.5) ? "unavailable" : "drop" };
    return undefined;
  }
}
