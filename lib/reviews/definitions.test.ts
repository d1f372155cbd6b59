/**
 * Definitions as Entra's access reviews offer them (#18, item 8): "approve" when reviewers do not respond, weekly and
 * every-N-days recurrence, and a series that ends after a number of reviews or on a date. Against the emulator and a
 * real database; the scheduler's next-instance step runs with a moved clock.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeCtx } from "@/lib/db/context";
import { setup } from "@/tests/support/emulator-fixture";
import { ZCampaignConfig, quarterlyPreset, type CampaignDefinitionInput } from "./definition";
import { applyCampaign } from "./apply";
import { closeCampaign, createCampaign, createNextInstance, startCampaign, type Actor } from "./lifecycle";

let s: Awaited<ReturnType<typeof setup>>;
const ADMIN: Actor = { id: "6f1c3a9e-5555-4555-8555-555555555555", name: "Ada Admin", role: "admin" };
const DAY = 86_400_000;

beforeAll(async () => {
  s = await setup({ users: 80 });
  await s.syncNow();
});
afterAll(async () => {
  await s?.close();
});

function preset(edit: (c: CampaignDefinitionInput["config"]) => void): CampaignDefinitionInput {
  const p = quarterlyPreset(new Date());
  p.config.scope = {
    kind: "groups",
    groupIds: [s.emu.tenant.groups.find((g) => g.displayName === "Partner Collaboration")!.id],
  };
  p.config.stages = [{ ...p.config.stages[0]!, durationDays: 5 }];
  edit(p.config);
  return p;
}

/**
 * Runs a recurring definition's instances: start and close each, then ask the scheduler for the next at `days`.
 * Returns each new draft's id (null when none is due) and its planned start, in days after the first.
 */
const planned = new Map<string, number>();
async function series(p: CampaignDefinitionInput, days: number[]): Promise<(string | null)[]> {
  const { campaignId } = await createCampaign(s.ctx, ADMIN, p);
  const { definitionId } = await s.db.campaign.findUniqueOrThrow({ where: { id: campaignId } });
  const made: (string | null)[] = [];
  let current: string | null = campaignId;
  for (const d of days) {
    if (current) {
      await startCampaign(s.ctx, ADMIN, current);
      await closeCampaign(s.ctx, ADMIN, current);
    }
    const at = new Date(p.config.startAt.getTime() + d * DAY + 60_000);
    current = await createNextInstance(
      makeCtx(s.db, s.tenantId, () => at),
      definitionId!,
    );
    if (current) {
      const draft = await s.db.campaign.findUniqueOrThrow({ where: { id: current } });
      planned.set(current, Math.round((draft.startAt.getTime() - p.config.startAt.getTime()) / DAY));
    }
    made.push(current);
  }
  return made;
}

describe("campaign definitions", () => {
  test("no response means approve: undecided items close approved, and the apply removes nothing", async () => {
    const { campaignId } = await createCampaign(
      s.ctx,
      ADMIN,
      preset((c) => {
        c.noResponse = "approve";
        c.recurrence = "one_off";
      }),
    );
    const { itemCount } = await startCampaign(s.ctx, ADMIN, campaignId);
    const { counts } = await closeCampaign(s.ctx, ADMIN, campaignId);
    expect(counts).toMatchObject({ approve: itemCount, revoke: 0, noResponse: 0 });
    expect(await applyCampaign(s.ctx, ADMIN, campaignId, s.writeClient())).toMatchObject({ applied: 0, failed: 0 });
  });

  test("weekly, ending after two reviews: the second starts a week after the first, and there is no third", async () => {
    const made = await series(
      preset((c) => {
        c.recurrence = "weekly";
        c.series = { end: "after", count: 2 };
      }),
      [7, 14, 21],
    );
    expect(made[0]).not.toBeNull();
    expect(made.slice(1)).toEqual([null, null]);
    const second = await s.db.campaign.findUniqueOrThrow({ where: { id: made[0]! } });
    expect([second.sequence, planned.get(made[0]!)]).toEqual([2, 7]);
  });

  test("every 10 days, ending on a date: instances until that date, none after", async () => {
    const p = preset((c) => {
      c.recurrence = "custom";
      c.intervalDays = 10;
      c.series = { end: "on", on: new Date(c.startAt.getTime() + 25 * DAY) };
    });
    const made = await series(p, [10, 20, 30]);
    expect(made[0]).not.toBeNull();
    expect(made[1]).not.toBeNull();
    expect(made[2]).toBeNull(); // day 30 is after the series' end (day 25)
    expect([planned.get(made[0]!), planned.get(made[1]!)]).toEqual([10, 20]);
  });

  test("definitions that cannot work are refused with the reason", () => {
    const base = quarterlyPreset(new Date()).config;
    const problems = (c: object) =>
      ZCampaignConfig.safeParse({ ...base, ...c }).error?.issues.map((i) => i.message) ?? [];
    expect(problems({ recurrence: "weekly" })).toEqual([
      "A review that starts every 7 day(s) must finish within 7 day(s); its stages last 14.",
    ]);
    expect(problems({ recurrence: "custom" })).toContain("Say how many days apart the reviews start.");
    expect(problems({ series: { end: "after" } })).toEqual(["Say after how many reviews the series ends."]);
    expect(problems({ series: { end: "on", on: new Date(base.startAt.getTime() - DAY) } })).toEqual([
      "The series must end after its first start.",
    ]);
    expect(problems({ noResponse: "approve", recurrence: "custom", intervalDays: 30 })).toEqual([]);
  });
});
