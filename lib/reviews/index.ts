/** Access-review campaigns: definitions, lifecycle, decisions, apply, housekeeping and read models. */
export * from "./definition";
export {
  createCampaign,
  deleteDraft,
  startCampaign,
  closeCampaign,
  extendCampaign,
  reassignItems,
  advanceStage,
  createNextInstance,
  notifyReviewers,
  syncFitness,
  parseConfig,
  type Actor,
  type Ctx,
  type SyncFitness,
} from "./lifecycle";
export {
  decide,
  forceDecision,
  acceptAllRecommendations,
  ZDecide,
  DECISIONS,
  type Decision,
  type DecideInput,
  type DecideResult,
} from "./decisions";
export {
  applyCampaign,
  previewApply,
  reconcileWithDirectory,
  writeOpFor,
  type ApplySummary,
  type ApplyPreviewRow,
} from "./apply";
export { runCampaignMaintenance, type MaintenanceReport } from "./maintenance";
export {
  listCampaigns,
  myInbox,
  reviewPage,
  campaignDetail,
  dueDate,
  ZReviewQuery,
  REVIEW_PAGE_SIZE,
  type CampaignSummary,
  type InboxEntry,
  type ReviewPage,
  type ReviewItemRow,
  type ReviewQuery,
  type CampaignDetail,
} from "./queries";
export { resolveReviewers, type Relation, type ReviewerAssignment } from "./reviewers";
export { recommend, peerShare, DEFAULT_RECOMMENDATION_OPTIONS } from "./recommend";
export { ItemsHasher } from "./items-hash";
export { createCampaignFromForm, ZCampaignForm, type TCampaignForm, type TCampaignFormInput } from "./campaign-form";
export { remindReviewers, reassignReviewer, signOffReviewer, undecidedOf } from "./escalation";
export { closeAndMaybeApply, applyWithAppGraph } from "./close-and-apply";
export { reviewerSignals, SIGNAL_RULES, type ReviewerSignal } from "./signals";
export { decisionsHash, verifyDecisions, type DecisionProblem } from "./decisions-hash";
export { returnedItems } from "./apply";
export { delegateItems, ZDelegate, type DelegateInput } from "./delegation";
export { itemContext, type ItemContext } from "./item-context";
export {
  blockDeniedGuests,
  listDeniedGuests,
  restoreDeniedGuest,
  runDeniedGuests,
  ZRestoreDeniedGuest,
  type DeniedGuestsReport,
} from "./denied-guests";
