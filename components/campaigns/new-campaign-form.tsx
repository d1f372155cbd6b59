"use client";

import { buttonClass } from "@/components/ui/button";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { Action } from "@/lib/action";
import type { TCampaignFormInput } from "@/lib/reviews/campaign-form";

type StageForm = {
  reviewers: "owners" | "managers" | "chosen" | "self" | "sponsors";
  chosen: string;
  fallback: string;
  durationDays: number;
  advance: string[];
};
const split = (s: string) =>
  s
    .split(/[\s,;]+/)
    .map((x) => x.trim())
    .filter(Boolean);
const input = "mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm";
const label = "block text-sm font-medium text-slate-700";

export interface PresetDefaults {
  name: string;
  description: string;
  startAt: string;
  scope?: TCampaignFormInput["scope"]["kind"];
  who?: "all" | "guests" | "inactive";
  reviewers?: StageForm["reviewers"];
  noResponse?: TCampaignFormInput["noResponse"];
  onApprove?: boolean;
  onRevoke?: boolean;
}

export function NewCampaignForm({
  groups,
  roles = [],
  apps = [],
  preset,
  create,
}: {
  groups: { id: string; name: string }[];
  /** Directory roles and enterprise apps a campaign may be narrowed to (#19). */
  roles?: { id: string; name: string }[];
  apps?: { id: string; name: string }[];
  preset: PresetDefaults;
  create: Action<TCampaignFormInput, { campaignId: string }>;
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState(preset.name);
  const [description, setDescription] = useState(preset.description);
  const [scope, setScope] = useState<TCampaignFormInput["scope"]["kind"]>(preset.scope ?? "allSecurityGroups");
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [roleIds, setRoleIds] = useState<string[]>([]);
  const [roleActive, setRoleActive] = useState(true);
  const [roleEligible, setRoleEligible] = useState(true);
  const [appIds, setAppIds] = useState<string[]>([]);
  const [nested, setNested] = useState(true);
  // Further scopes of other families (#19): a group scope, the directory roles, the enterprise apps.
  const [alsoGroups, setAlsoGroups] = useState<"" | TCampaignFormInput["scope"]["kind"]>("");
  const [alsoRoles, setAlsoRoles] = useState(false);
  const [alsoApps, setAlsoApps] = useState(false);
  const mainFamily = scope === "directoryRoles" ? "roles" : scope === "apps" ? "apps" : "groups";
  const also = [
    ...(mainFamily !== "groups" && alsoGroups ? [alsoGroups] : []),
    ...(mainFamily !== "roles" && alsoRoles ? (["directoryRoles"] as const) : []),
    ...(mainFamily !== "apps" && alsoApps ? (["apps"] as const) : []),
  ];
  const reviews = (k: TCampaignFormInput["scope"]["kind"]) => scope === k || also.includes(k);
  const reviewsGroups = mainFamily === "groups" || also.some((k) => k !== "directoryRoles" && k !== "apps");
  const [excludeGroupIds, setExcludeGroupIds] = useState<string[]>([]);
  const [excludeUpns, setExcludeUpns] = useState("");
  const [who, setWho] = useState<"all" | "guests" | "inactive">(preset.who ?? "all");
  const [popDays, setPopDays] = useState(90);
  const [stages, setStages] = useState<StageForm[]>([
    { reviewers: preset.reviewers ?? "owners", chosen: "", fallback: "", durationDays: 14, advance: ["approve"] },
  ]);
  const [startAt, setStartAt] = useState(preset.startAt);
  const [recurrence, setRecurrence] = useState<TCampaignFormInput["recurrence"]>("quarterly");
  const [onApprove, setOnApprove] = useState(preset.onApprove ?? false);
  const [onRevoke, setOnRevoke] = useState(preset.onRevoke ?? true);
  const [noResponse, setNoResponse] = useState<TCampaignFormInput["noResponse"]>(preset.noResponse ?? "none");
  const [intervalDays, setIntervalDays] = useState(14);
  const [seriesEnd, setSeriesEnd] = useState<"never" | "after" | "on">("never");
  const [seriesCount, setSeriesCount] = useState(4);
  const [seriesOn, setSeriesOn] = useState("");
  const [autoApply, setAutoApply] = useState(true);
  const [allowDelegation, setAllowDelegation] = useState(true);
  const [blockDenied, setBlockDenied] = useState(false);
  const [deleteAfterDays, setDeleteAfterDays] = useState(30);
  const [notifyMail, setNotifyMail] = useState(true);
  const [notifyTeams, setNotifyTeams] = useState(true);
  const [reminder, setReminder] = useState(3);
  const [inactiveDays, setInactiveDays] = useState(30);
  const [maxAge, setMaxAge] = useState(24);

  const setStage = (i: number, patch: Partial<StageForm>) =>
    setStages((s) => s.map((x, k) => (k === i ? { ...x, ...patch } : x)));

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    start(async () => {
      const r = await create({
        name,
        description,
        scope: {
          kind: scope,
          also,
          groupIds: reviews("groups") ? groupIds : [],
          roleIds: reviews("directoryRoles") ? roleIds : [],
          roleStates: [...(roleActive ? ["active" as const] : []), ...(roleEligible ? ["eligible" as const] : [])],
          appIds: reviews("apps") ? appIds : [],
          nested,
          excludeGroupIds,
          excludeUpns: split(excludeUpns),
        },
        population: { who, inactiveDays: popDays },
        stages: stages.map((s) => ({
          reviewers: s.reviewers,
          chosenUpns: split(s.chosen),
          fallbackUpns: split(s.fallback),
          durationDays: s.durationDays,
          advance: s.advance as ("approve" | "revoke" | "dontknow" | "undecided")[],
        })),
        startAt: new Date(startAt).toISOString(),
        recurrence,
        intervalDays: recurrence === "custom" ? intervalDays : undefined,
        series:
          recurrence === "one_off" || seriesEnd === "never"
            ? { end: "never" }
            : seriesEnd === "after"
              ? { end: "after", count: seriesCount }
              : { end: "on", on: seriesOn ? new Date(seriesOn).toISOString() : undefined },
        justification: { onApprove, onRevoke },
        noResponse,
        autoApply,
        allowDelegation,
        deniedGuests: { blockThenDelete: blockDenied, deleteAfterDays },
        notify: { mail: notifyMail, teams: notifyTeams },
        reminderDaysBefore: reminder,
        inactiveDays,
        maxSyncAgeHours: maxAge,
      });
      if (r.ok) router.push(`/campaigns/${r.campaignId}`);
      else setError(r.error);
    });
  };

  return (
    <form onSubmit={submit} className="grid gap-6 lg:grid-cols-2" aria-label="New campaign">
      <fieldset className="space-y-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <legend className="px-1 text-sm font-semibold text-slate-900">What</legend>
        <div>
          <label className={label} htmlFor="name">
            Name
          </label>
          <input
            id="name"
            className={input}
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={120}
            required
          />
        </div>
        <div>
          <label className={label} htmlFor="description">
            Description
          </label>
          <textarea
            id="description"
            className={input}
            rows={2}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            maxLength={2000}
          />
        </div>
        <div>
          <label className={label} htmlFor="scope">
            Scope
          </label>
          <select id="scope" className={input} value={scope} onChange={(e) => setScope(e.target.value as typeof scope)}>
            <option value="allSecurityGroups">All security groups</option>
            <option value="allM365Groups">All Microsoft 365 groups</option>
            <option value="allGroups">All groups (security and Microsoft 365)</option>
            <option value="roleAssignableGroups">Role-assignable groups</option>
            <option value="groups">Chosen groups</option>
            <option value="directoryRoles">Directory roles: active and eligible (PIM)</option>
            <option value="apps">Enterprise app assignments</option>
          </select>
        </div>
        <fieldset className="rounded-md border border-slate-200 px-3 py-2" data-testid="scope-also">
          <legend className="px-1 text-sm font-medium text-slate-700">Also review in this campaign</legend>
          <div className="flex flex-col gap-2 text-sm text-slate-700">
            {mainFamily !== "groups" && (
              <label className="flex flex-wrap items-center gap-2">
                <span>Groups</span>
                <select
                  aria-label="Also review groups"
                  className="rounded-md border border-slate-300 px-2 py-1 text-sm"
                  value={alsoGroups}
                  onChange={(e) => setAlsoGroups(e.target.value as typeof alsoGroups)}
                >
                  <option value="">None</option>
                  <option value="allSecurityGroups">All security groups</option>
                  <option value="allM365Groups">All Microsoft 365 groups</option>
                  <option value="allGroups">All groups (security and Microsoft 365)</option>
                  <option value="roleAssignableGroups">Role-assignable groups</option>
                  <option value="groups">Chosen groups</option>
                </select>
              </label>
            )}
            {mainFamily !== "roles" && (
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={alsoRoles} onChange={(e) => setAlsoRoles(e.target.checked)} />
                Directory roles: active and eligible (PIM)
              </label>
            )}
            {mainFamily !== "apps" && (
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={alsoApps} onChange={(e) => setAlsoApps(e.target.checked)} />
                Enterprise app assignments
              </label>
            )}
          </div>
        </fieldset>
        {reviews("groups") && (
          <div>
            <label className={label} htmlFor="groups">
              Groups
            </label>
            <select
              id="groups"
              multiple
              size={8}
              className={input}
              value={groupIds}
              onChange={(e) => setGroupIds([...e.target.selectedOptions].map((o) => o.value))}
            >
              {groups.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {reviews("directoryRoles") && (
          <>
            <div>
              <label className={label} htmlFor="roles">
                Roles (none chosen: every role)
              </label>
              <select
                id="roles"
                multiple
                size={6}
                className={input}
                value={roleIds}
                onChange={(e) => setRoleIds([...e.target.selectedOptions].map((o) => o.value))}
              >
                {roles.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="flex flex-wrap gap-4 text-sm text-slate-700">
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={roleActive} onChange={(e) => setRoleActive(e.target.checked)} />
                Active assignments
              </label>
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={roleEligible} onChange={(e) => setRoleEligible(e.target.checked)} />
                Eligible through PIM
              </label>
            </div>
          </>
        )}
        {reviews("apps") && (
          <div>
            <label className={label} htmlFor="apps">
              Apps (none chosen: every app)
            </label>
            <select
              id="apps"
              multiple
              size={6}
              className={input}
              value={appIds}
              onChange={(e) => setAppIds([...e.target.selectedOptions].map((o) => o.value))}
            >
              {apps.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {reviewsGroups && (
          <label className="flex items-start gap-2 text-sm text-slate-700">
            <input type="checkbox" className="mt-1" checked={nested} onChange={(e) => setNested(e.target.checked)} />
            <span>
              Include members of nested groups
              <span className="block text-xs text-slate-500">
                People who get a group&apos;s access through a group inside it are reviewed too, each once, with the
                path. Revoking one, the reviewer chooses which membership goes, or leaves it to an admin.
              </span>
            </span>
          </label>
        )}
        <details className="rounded-md border border-slate-200 px-3 py-2">
          <summary className="cursor-pointer text-sm font-medium text-slate-700">
            Exclusions
            {excludeGroupIds.length + split(excludeUpns).length
              ? ` (${excludeGroupIds.length + split(excludeUpns).length})`
              : ""}
          </summary>
          <p className="mt-2 text-xs text-slate-600">
            Left out before the items are frozen, and named in the report: a break-glass group, service accounts.
          </p>
          <label className={`${label} mt-2`} htmlFor="excludeGroups">
            Groups (the group and its direct members)
          </label>
          <select
            id="excludeGroups"
            multiple
            size={5}
            className={input}
            value={excludeGroupIds}
            onChange={(e) => setExcludeGroupIds([...e.target.selectedOptions].map((o) => o.value))}
          >
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
          <label className={`${label} mt-2`} htmlFor="excludeUpns">
            People (user principal names)
          </label>
          <textarea
            id="excludeUpns"
            rows={2}
            className={input}
            value={excludeUpns}
            onChange={(e) => setExcludeUpns(e.target.value)}
            placeholder="breakglass1@contoso.com"
          />
        </details>
        <div className="grid grid-cols-2 gap-3">
          <div>
            <label className={label} htmlFor="who">
              Who is reviewed
            </label>
            <select id="who" className={input} value={who} onChange={(e) => setWho(e.target.value as typeof who)}>
              <option value="all">All members</option>
              <option value="guests">Guests only</option>
              <option value="inactive">Only inactive people</option>
            </select>
          </div>
          {who === "inactive" && (
            <div>
              <label className={label} htmlFor="popDays">
                Inactive for (days)
              </label>
              <input
                id="popDays"
                type="number"
                min={1}
                max={3650}
                className={input}
                value={popDays}
                onChange={(e) => setPopDays(Number(e.target.value))}
              />
            </div>
          )}
        </div>
      </fieldset>

      <fieldset className="space-y-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <legend className="px-1 text-sm font-semibold text-slate-900">Who reviews</legend>
        {stages.map((s, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: stages are positional (Stage 1, 2, 3); the index is their identity.
          <div key={i} className="rounded-lg border border-slate-200 p-3">
            <div className="mb-2 flex items-center justify-between text-sm font-medium text-slate-800">
              Stage {i + 1}
              {stages.length > 1 && (
                <button
                  type="button"
                  className="text-xs text-rose-700 hover:underline"
                  onClick={() => setStages((x) => x.filter((_, k) => k !== i))}
                >
                  Remove stage
                </button>
              )}
            </div>
            <div className="grid grid-cols-2 gap-3">
              <div>
                <label className={label} htmlFor={`rev-${i}`}>
                  Reviewers
                </label>
                <select
                  id={`rev-${i}`}
                  className={input}
                  value={s.reviewers}
                  onChange={(e) => setStage(i, { reviewers: e.target.value as StageForm["reviewers"] })}
                >
                  <option value="owners">Group owners</option>
                  <option value="managers">Each member&apos;s manager</option>
                  <option value="chosen">Chosen reviewers</option>
                  <option value="self">Self-review</option>
                  <option value="sponsors">Sponsors (guests)</option>
                </select>
              </div>
              <div>
                <label className={label} htmlFor={`dur-${i}`}>
                  Duration (days)
                </label>
                <input
                  id={`dur-${i}`}
                  type="number"
                  min={1}
                  max={90}
                  className={input}
                  value={s.durationDays}
                  onChange={(e) => setStage(i, { durationDays: Number(e.target.value) })}
                />
              </div>
            </div>
            {s.reviewers === "chosen" && (
              <div className="mt-2">
                <label className={label} htmlFor={`chosen-${i}`}>
                  Reviewers (user principal names)
                </label>
                <input
                  id={`chosen-${i}`}
                  className={input}
                  value={s.chosen}
                  onChange={(e) => setStage(i, { chosen: e.target.value })}
                  placeholder="alice@contoso.com, bob@contoso.com"
                />
              </div>
            )}
            <div className="mt-2">
              <label className={label} htmlFor={`fallback-${i}`}>
                Fallback reviewers (when none resolve; empty = you)
              </label>
              <input
                id={`fallback-${i}`}
                className={input}
                value={s.fallback}
                onChange={(e) => setStage(i, { fallback: e.target.value })}
                placeholder="user principal names"
              />
            </div>
            {i < stages.length - 1 && (
              <div className="mt-2 text-sm">
                <span className={label}>Goes on to stage {i + 2}</span>
                <div className="mt-1 flex flex-wrap gap-3">
                  {["approve", "revoke", "dontknow", "undecided"].map((o) => (
                    <label key={o} className="flex items-center gap-1">
                      <input
                        type="checkbox"
                        checked={s.advance.includes(o)}
                        onChange={(e) =>
                          setStage(i, {
                            advance: e.target.checked ? [...s.advance, o] : s.advance.filter((x) => x !== o),
                          })
                        }
                      />
                      {o === "dontknow" ? "Don't know" : o[0]!.toUpperCase() + o.slice(1)}
                    </label>
                  ))}
                </div>
              </div>
            )}
          </div>
        ))}
        {stages.length < 3 && (
          <button
            type="button"
            className="text-sm font-medium text-brand-700 hover:underline"
            onClick={() =>
              setStages((x) => [
                ...x,
                { reviewers: "chosen", chosen: "", fallback: "", durationDays: 7, advance: ["approve"] },
              ])
            }
          >
            + Add a stage
          </button>
        )}
      </fieldset>

      <fieldset className="space-y-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm lg:col-span-2">
        <legend className="px-1 text-sm font-semibold text-slate-900">When and what happens</legend>
        <div className="grid gap-3 md:grid-cols-4">
          <div>
            <label className={label} htmlFor="startAt">
              Start
            </label>
            <input
              id="startAt"
              type="datetime-local"
              className={input}
              value={startAt}
              onChange={(e) => setStartAt(e.target.value)}
              required
            />
          </div>
          <div>
            <label className={label} htmlFor="recurrence">
              Recurrence
            </label>
            <select
              id="recurrence"
              className={input}
              value={recurrence}
              onChange={(e) => setRecurrence(e.target.value as typeof recurrence)}
            >
              <option value="one_off">One-off</option>
              <option value="weekly">Weekly</option>
              <option value="monthly">Monthly</option>
              <option value="quarterly">Quarterly</option>
              <option value="semi_annual">Semi-annual</option>
              <option value="annual">Annual</option>
              <option value="custom">Every N days</option>
            </select>
          </div>
          {recurrence === "custom" ? (
            <div>
              <label className={label} htmlFor="intervalDays">
                Days between starts
              </label>
              <input
                id="intervalDays"
                type="number"
                min={1}
                max={730}
                className={input}
                value={intervalDays}
                onChange={(e) => setIntervalDays(Number(e.target.value))}
              />
            </div>
          ) : null}
          {recurrence !== "one_off" ? (
            <div>
              <label className={label} htmlFor="seriesEnd">
                Series ends
              </label>
              <select
                id="seriesEnd"
                className={input}
                value={seriesEnd}
                onChange={(e) => setSeriesEnd(e.target.value as typeof seriesEnd)}
              >
                <option value="never">Never</option>
                <option value="after">After a number of reviews</option>
                <option value="on">On a date</option>
              </select>
              {seriesEnd === "after" ? (
                <label className="mt-1 block text-sm text-slate-700">
                  Reviews in all{" "}
                  <input
                    type="number"
                    min={1}
                    max={520}
                    className={input}
                    value={seriesCount}
                    onChange={(e) => setSeriesCount(Number(e.target.value))}
                  />
                </label>
              ) : seriesEnd === "on" ? (
                <label className="mt-1 block text-sm text-slate-700">
                  No review starts after{" "}
                  <input type="date" className={input} value={seriesOn} onChange={(e) => setSeriesOn(e.target.value)} />
                </label>
              ) : null}
            </div>
          ) : null}
          <div>
            <label className={label} htmlFor="noResponse">
              If reviewers don&apos;t respond
            </label>
            <select
              id="noResponse"
              className={input}
              value={noResponse}
              onChange={(e) => setNoResponse(e.target.value as typeof noResponse)}
            >
              <option value="none">No change</option>
              <option value="revoke">Revoke</option>
              <option value="approve">Approve</option>
              <option value="recommendation">Take recommendations</option>
            </select>
          </div>
          <div>
            <label className={label} htmlFor="reminder">
              Remind (days before due)
            </label>
            <input
              id="reminder"
              type="number"
              min={0}
              max={30}
              className={input}
              value={reminder}
              onChange={(e) => setReminder(Number(e.target.value))}
            />
          </div>
          <div>
            <label className={label} htmlFor="inactiveDays">
              Recommend revoke after (days idle)
            </label>
            <input
              id="inactiveDays"
              type="number"
              min={1}
              max={3650}
              className={input}
              value={inactiveDays}
              onChange={(e) => setInactiveDays(Number(e.target.value))}
            />
          </div>
          <div>
            <label className={label} htmlFor="maxAge">
              Newest sync required (hours)
            </label>
            <input
              id="maxAge"
              type="number"
              min={1}
              max={720}
              className={input}
              value={maxAge}
              onChange={(e) => setMaxAge(Number(e.target.value))}
            />
          </div>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={onApprove} onChange={(e) => setOnApprove(e.target.checked)} /> Justification
            required to approve
          </label>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={onRevoke} onChange={(e) => setOnRevoke(e.target.checked)} /> Justification
            required to revoke
          </label>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={autoApply} onChange={(e) => setAutoApply(e.target.checked)} /> Apply
            revocations to Entra on close
          </label>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={allowDelegation} onChange={(e) => setAllowDelegation(e.target.checked)} />{" "}
            Reviewers may hand their items to a colleague
          </label>
          <label className="col-span-full flex flex-wrap items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={blockDenied} onChange={(e) => setBlockDenied(e.target.checked)} /> Guests
            whose every access is revoked: block sign-in, then delete after
            <input
              type="number"
              min={1}
              max={365}
              aria-label="Days before a denied guest is deleted"
              className="w-16 rounded-md border border-slate-300 px-2 py-0.5 text-sm"
              value={deleteAfterDays}
              disabled={!blockDenied}
              onChange={(e) => setDeleteAfterDays(Number(e.target.value))}
            />
            days unless an admin restores them
          </label>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={notifyMail} onChange={(e) => setNotifyMail(e.target.checked)} /> Send
            notices by mail (one daily digest per reviewer)
          </label>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={notifyTeams} onChange={(e) => setNotifyTeams(e.target.checked)} /> Post
            notices to the Teams channel
          </label>
        </div>
      </fieldset>
      <div className="flex items-center gap-3 lg:col-span-2">
        <button type="submit" disabled={pending} className={buttonClass("primary")}>
          {pending ? "Creating…" : "Create draft"}
        </button>
        {error && (
          <p role="alert" className="text-sm text-rose-700">
            {error}
          </p>
        )}
      </div>
    </form>
  );
}
