/**
 * What lib/sync needs of a Graph client (lib/graph's GraphClient satisfies it). Keeping the port
 * narrow lets the sync be driven by the real client against the emulator in tests.
 */
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
  method: "GET";
  url: string;
}

export interface BatchResponse<T = unknown> {
  status: number;
  body: T;
}

export interface SyncGraph {
  get<T = Record<string, unknown>>(path: string): Promise<T>;
  pages<T = Record<string, unknown>>(path: string, options?: PageOptions): AsyncIterable<T[]>;
  delta<T = Record<string, unknown>>(resource: "users" | "groups", options: { select: string[]; deltaLink?: string }): AsyncIterable<{ items: T[]; deltaLink?: string }>;
  batch<T = unknown>(requests: BatchRequest[]): Promise<Map<string, BatchResponse<T>>>;
  readonly stats: { requests: number; retries: number; throttled: number };
}
