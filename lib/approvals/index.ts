export {
  DEFAULT_APPROVAL_THRESHOLD,
  listApprovals,
  requestApproval,
  withdrawApproval,
  type ApprovalView,
  type ApprovalKind,
  type ApprovedBy,
} from "./store";
export { decideAndRun, type ApprovalRunners } from "./run";
