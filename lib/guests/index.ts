/** Guests and contractors: inventory, sponsors, access that expires on its own. */
export {
  setExpiry,
  extendExpiry,
  cancelExpiry,
  expiryPlan,
  expiryPreview,
  runExpiries,
  ZSetExpiry,
  CONFIRM_MEMBERS,
  ZExtendExpiry,
  ZCancelExpiry,
  ZExpiryPreview,
  type GuestsActor,
  type SetExpiryInput,
  type ExpiryPlanItem,
  type ExpiryRunReport,
} from "./expiry";
export { listGuests, ZGuestQuery, GUEST_FILTERS, GUEST_PAGE_SIZE, type GuestQuery, type GuestRow } from "./inventory";
