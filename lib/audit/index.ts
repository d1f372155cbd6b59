export {
  appendAudit,
  appendAuditMany,
  chainHead,
  type AuditInput,
  type AuditRecord,
  type AuditClient,
} from "./append-audit";
export { verifyChain, type ChainProblem, type ChainReport } from "./verify-chain";
export { canonicalJson, GENESIS_HASH } from "./canonical";
export { listAudit, auditBatches, auditWhere, ZAuditQuery, AUDIT_PAGE_SIZE, type AuditQuery } from "./browse";
export {
  writeCheckpoint,
  checkCheckpoint,
  listCheckpoints,
  type StoredCheckpoint,
  type CheckpointPayload,
} from "./checkpoint";
export { verifyEvidenceChain, type EvidenceChainReport, type AnchorOptions } from "./verify-anchors";
