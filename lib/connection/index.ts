/** The Graph connection: where its credentials come from, sealed storage, Disconnect/Purge, health and the sync gate. */
export { resolveConnection, saveConnection, disconnect, reconnect, purgeDirectory, saveHealth, readHealth, syncGate, ConnectionError, DIRECTORY_TABLES, type ConnectionView, type ConnectionSource, type ResolvedConnection } from "./store";
export { seal, open, parseKey, keyIdOf, SecretBoxError } from "./crypto";
export { graphFactory } from "./graph";
