/** Directory sync: Graph → staging → one transaction into the Dir* tables. */
export {
  runSync,
  SyncAlreadyRunning,
  SyncLockLost,
  DEFAULT_REFRESH_MS,
  type SyncOptions,
  type SyncResult,
  type SyncManifest,
  type SyncProgress,
  type SyncStatus,
  type SyncTrigger,
  type RefreshKind,
  type SlowKind,
} from "./run-sync";
export { runningSync } from "./lock";
export { countDirectory, type DirectoryCounts } from "./apply";
export type { SyncGraph } from "./graph-port";
export { parseCaTargeting, type CaTargeting } from "./map";
