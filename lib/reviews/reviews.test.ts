import { describe, expect, it, test } from "vitest";
import { resolveReviewers } from "./reviewers";
import { ZCampaignConfig, quarterlyPreset, stageEnd } from "./definition";
import { DEFAULT_RECOMMENDATION_OPTIONS, peerShare, recommend, type RecommendationInput } from "./recommend";
import { addMonthsClamped, instanceStart, nextInstance } from "./recurrence";

const now = new Date("2026-11-22T12:00:00Z");
const opts = { ...DEFAULT_RECOMMENDATION_OPTIONS, now };
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const base: RecommendationInput = {
  accountEnabled: true,
  userType: "Member",
  externalUserState: null,
  createdAt: daysAgo(400),
  lastSignInAt: daysAgo(2),
  signInDataAvailable: true,
  peerShare: 0.8,
};

describe("recommend", () => {
  it("approves active accounts and says when they last signed in", () => {
    expect(recommend(base, opts)).toEqual({ recommendation: "approve", reason: "Active: last sign-in 2 days ago." });
  });
  it("revokes disabled, never signed in and inactive accounts, with the threshold", () => {
    expect(recommend({ ...base, accountEnabled: false }, opts)).toMatchObject({
      recommendation: "revoke",
      reason: "The account is disabled.",
    });
    expect(recommend({ ...base, lastSignInAt: null }, opts)).toMatchObject({
      recommendation: "revoke",
      reason: "Never signed in.",
    });
    expect(recommend({ ...base, lastSignInAt: daysAgo(31) }, opts)).toMatchObject({
      recommendation: "revoke",
      reason: "No sign-in for 31 days (threshold 30).",
    });
    expect(recommend({ ...base, lastSignInAt: daysAgo(30) }, opts).recommendation).toBe("approve");
    expect(recommend({ ...base, lastSignInAt: daysAgo(60) }, { ...opts, inactiveDays: 90 }).recommendation).toBe(
      "approve",
    );
  });
  it("revokes guests whose invitation is pending for more than 30 days, not fresh ones", () => {
    const guest = { ...base, userType: "Guest" as const, externalUserState: "PendingAcceptance", lastSignInAt: null };
    expect(recommend({ ...guest, createdAt: daysAgo(45) }, opts)).toMatchObject({
      recommendation: "revoke",
      reason: "Guest invitation still pending after 45 days.",
    });
    expect(recommend({ ...guest, createdAt: daysAgo(10) }, opts)).toMatchObject({
      recommendation: "revoke",
      reason: "Never signed in.",
    });
  });
  it("says no data when sign-in activity is unavailable", () => {
    expect(recommend({ ...base, signInDataAvailable: false }, opts)).toMatchObject({ recommendation: "no_data" });
    expect(recommend({ ...base, signInDataAvailable: false, accountEnabled: false }, opts).recommendation).toBe(
      "revoke",
    );
  });
  it("flags peer outliers", () => {
    expect(recommend({ ...base, peerShare: 0.05 }, opts)).toMatchObject({
      recommendation: "revoke",
      reason: "Peer outlier: only 5% of this person's peers hold this access.",
    });
    expect(recommend({ ...base, peerShare: null }, opts).recommendation).toBe("approve");
  });
  it("computes peer shares without the person and only with enough peers", () => {
    const peers = [
      { id: "me", holds: true },
      { id: "a", holds: true },
      { id: "b", holds: false },
      { id: "c", holds: false },
      { id: "d", holds: false },
    ];
    expect(peerShare(peers, "me")).toBe(0.25);
    expect(peerShare(peers.slice(0, 3), "me")).toBeNull();
  });
});

describe("recurrence", () => {
  it("adds months clamped to month ends and keeps the anchor day", () => {
    const jan31 = new Date("2026-01-31T09:00:00Z");
    expect(addMonthsClamped(jan31, 1).toISOString()).toBe("2026-02-28T09:00:00.000Z");
    expect(addMonthsClamped(jan31, 2).toISOString()).toBe("2026-03-31T09:00:00.000Z");
    expect(addMonthsClamped(new Date("2027-11-30T00:00:00Z"), 3).toISOString()).toBe("2028-02-29T00:00:00.000Z");
  });
  it("spaces instances by the recurrence and stops one-off campaigns", () => {
    const first = new Date("2026-01-15T00:00:00Z");
    expect(instanceStart(first, "quarterly", 3)?.toISOString()).toBe("2026-10-15T00:00:00.000Z");
    expect(instanceStart(first, "semi_annual", 1)?.toISOString()).toBe("2026-07-15T00:00:00.000Z");
    expect(instanceStart(first, "annual", 2)?.toISOString()).toBe("2028-01-15T00:00:00.000Z");
    expect(instanceStart(first, "monthly", 13)?.toISOString()).toBe("2027-02-15T00:00:00.000Z");
    expect(nextInstance(first, "one_off", 1)).toBeNull();
    expect(nextInstance(first, "quarterly", 1)).toEqual({ index: 1, start: new Date("2026-04-15T00:00:00Z") });
  });
  it("weekly and every-N-days series, ended after a count or on a date (#18)", () => {
    const first = new Date("2026-01-15T00:00:00Z");
    expect(instanceStart(first, "weekly", 2)?.toISOString()).toBe("2026-01-29T00:00:00.000Z");
    expect(instanceStart(first, "custom", 3, { intervalDays: 10 })?.toISOString()).toBe("2026-02-14T00:00:00.000Z");
    expect(instanceStart(first, "custom", 1)).toBeNull(); // no interval, no next instance
    const afterTwo = { series: { end: "after" as const, count: 2 } };
    expect(instanceStart(first, "monthly", 1, afterTwo)).not.toBeNull();
    expect(instanceStart(first, "monthly", 2, afterTwo)).toBeNull();
    const until = { series: { end: "on" as const, on: new Date("2026-03-01T00:00:00Z") } };
    expect(instanceStart(first, "monthly", 1, until)?.toISOString()).toBe("2026-02-15T00:00:00.000Z");
    expect(instanceStart(first, "monthly", 2, until)).toBeNull();
    expect(instanceStart(first, "weekly", 0, afterTwo)).toEqual(first);
  });
});

describe("reviewer resolution", () => {
  const base = {
    principalId: "p",
    principalType: "user" as const,
    resourceOwners: ["o1", "o2"],
    managerId: "m",
    sponsorIds: [] as string[],
    creatorId: "admin",
  };
  const stage = (
    reviewers: "owners" | "managers" | "chosen" | "self" | "sponsors",
    extra: Partial<{ chosenIds: string[]; fallbackIds: string[] }> = {},
  ) => ({ reviewers, chosenIds: [], fallbackIds: [], ...extra });

  test("owners review, never their own membership; an ownerless group goes to the fallback, else the creator", () => {
    expect(resolveReviewers(stage("owners"), base)).toEqual([
      { reviewerId: "o1", relation: "owner" },
      { reviewerId: "o2", relation: "owner" },
    ]);
    expect(resolveReviewers(stage("owners"), { ...base, principalId: "o1", resourceOwners: ["o1"] })).toEqual([
      { reviewerId: "admin", relation: "fallback" },
    ]);
    expect(resolveReviewers(stage("owners", { fallbackIds: ["f1"] }), { ...base, resourceOwners: [] })).toEqual([
      { reviewerId: "f1", relation: "fallback" },
    ]);
  });
  test("managers, chosen, self and sponsors (sponsor falls back to the manager)", () => {
    expect(resolveReviewers(stage("managers"), base)).toEqual([{ reviewerId: "m", relation: "manager" }]);
    expect(resolveReviewers(stage("managers"), { ...base, managerId: null })).toEqual([
      { reviewerId: "admin", relation: "fallback" },
    ]);
    expect(resolveReviewers(stage("chosen", { chosenIds: ["c1", "p"] }), base)).toEqual([
      { reviewerId: "c1", relation: "chosen" },
    ]);
    expect(resolveReviewers(stage("self"), base)).toEqual([{ reviewerId: "p", relation: "self" }]);
    expect(resolveReviewers(stage("self"), { ...base, principalType: "group" })).toEqual([
      { reviewerId: "admin", relation: "fallback" },
    ]);
    expect(resolveReviewers(stage("sponsors"), { ...base, sponsorIds: ["s1"] })).toEqual([
      { reviewerId: "s1", relation: "sponsor" },
    ]);
    expect(resolveReviewers(stage("sponsors"), base)).toEqual([{ reviewerId: "m", relation: "manager" }]);
    expect(resolveReviewers(stage("sponsors", { fallbackIds: ["f"] }), { ...base, managerId: null })).toEqual([
      { reviewerId: "f", relation: "fallback" },
    ]);
  });
});

describe("campaign definitions", () => {
  test("the quarterly preset is valid and its stages add up", () => {
    const p = quarterlyPreset(new Date("2026-11-23T00:00:00Z"));
    expect(p.name).toBe("Quarterly access review 2026 Q4");
    expect(stageEnd(p.config.startAt, p.config, 1).toISOString()).toBe("2026-12-07T00:00:00.000Z");
  });
  test("refuses chosen reviewers without anyone, chosen groups without groups, more than three stages", () => {
    const p = quarterlyPreset(new Date());
    expect(
      ZCampaignConfig.safeParse({ ...p.config, stages: [{ reviewers: "chosen", durationDays: 7 }] }).error?.issues[0]
        ?.message,
    ).toBe("Stage 1: choose at least one reviewer.");
    expect(
      ZCampaignConfig.safeParse({ ...p.config, scope: { kind: "groups", groupIds: [] } }).error?.issues[0]?.message,
    ).toBe("Choose at least one group.");
    expect(ZCampaignConfig.safeParse({ ...p.config, stages: [1, 2, 3, 4].map(() => p.config.stages[0]) }).success).toBe(
      false,
    );
    expect(
      ZCampaignConfig.safeParse({ ...p.config, scope: { kind: "groups", groupIds: ["../etc/passwd"] } }).success,
    ).toBe(false);
  });
});
