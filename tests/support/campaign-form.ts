/**
 * The admin's campaign form as tests fill it (one stage of owners, one-off, nothing automatic), for tests of scopes
 * (lib/reviews/scopes.test.ts, nested.test.ts): only the scope and the name change.
 */
import type { TCampaignFormInput } from "@/lib/reviews";

export const campaignForm = (scope: TCampaignFormInput["scope"], name = "Scoped review"): TCampaignFormInput => ({
  name,
  description: "",
  scope,
  population: { who: "all", inactiveDays: 90 },
  stages: [{ reviewers: "owners", durationDays: 14 }],
  startAt: new Date().toISOString(),
  recurrence: "one_off",
  series: { end: "never" },
  justification: { onApprove: false, onRevoke: false },
  noResponse: "none",
  autoApply: false,
  reminderDaysBefore: 3,
  inactiveDays: 30,
  maxSyncAgeHours: 24,
});
