export {
  createGraphClient,
  type GraphClient,
  type GraphClientOptions,
  type GraphStats,
  type PageOptions,
  type BatchRequest,
  type BatchResponse,
} from "./client";
export { createTokenProvider, tokenRoles, type TokenProvider } from "./token-provider";
export {
  graphWrite,
  activeDirectoryCommand,
  type AdRef,
  disableAdAccountCommand,
  manualRemoval,
  membershipAuthority,
  type MembershipAuthority,
  type WriteOp,
  type WriteResult,
  type WriteAudit,
} from "./writes";
export { GraphError, GraphAuthError, DeltaExpiredError, GraphRetryBudgetError, parseGraphError } from "./errors";
export { parseCertificateCredential, CertificateError, type CertificateCredential } from "./certificate";
