/** The Graph connection: where its credentials come from, sealed storage, Disconnect/Purge, health and the sync gate. */
export {
  resolveConnection,
  resolveWriteConnection,
  saveConnection,
  disconnect,
  reconnect,
  purgeDirectory,
  saveHealth,
  readHealth,
  syncGate,
  DIRECTORY_TABLES,
  type ConnectionView,
  type ConnectionSource,
  type ResolvedConnection,
  type ResolvedWriteConnection,
  type WriteConnectionView,
} from "./store";
export { seal, open, parseKey, keyIdOf, SecretBoxError } from "./crypto";
export { graphFactory, mailGraphFactory } from "./graph";
export { createSyncGraph, type GraphConnection } from "./graph-client";
export {
  checkConnection,
  REQUIRED_PERMISSIONS,
  type ConnectionHealth,
  type ConnectionProblem,
} from "./check-connection";
