/**
 * What lib/sync needs of a Graph client: the read half of lib/graph's GraphClient. Naming the subset
 * keeps the sync's dependency narrow and obvious.
 */
import type { GraphClient } from "../graph/client";

export type { PageOptions, BatchRequest, BatchResponse } from "../graph/client";

export type SyncGraph = Pick<GraphClient, "get" | "pages" | "delta" | "batch" | "stats">;
