import { buttonClass } from "@/components/ui/button";
import { GROUP_KIND_LABEL } from "@/components/directory/labels";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Card, Facts, LinkList, onPremisesLabel, when } from "@/components/directory/detail";
import { DirectoryTabs } from "@/components/directory/tabs";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { groupDetail, MEMBERS_PAGE, ZDirectoryId } from "@/lib/directory/detail";
import { appCtx } from "@/lib/db";

export const metadata = { title: "Group" };

export default async function GroupPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageRole("admin", "auditor");
  const { id } = await params;
  if (!ZDirectoryId.safeParse(id).success) notFound();
  const sp = await searchParams;
  const page = Math.min(100_000, Math.max(1, Number.parseInt(typeof sp.page === "string" ? sp.page : "1", 10) || 1));
  const q = typeof sp.q === "string" ? sp.q.replace(/\0/g, "").trim().slice(0, 200) : "";
  const d = await groupDetail(appCtx(), id, page, q);
  if (!d) notFound();
  const g = d.group;
  const pages = Math.max(1, Math.ceil(d.memberTotal / MEMBERS_PAGE));
  const href = (p: number) =>
    `/directory/groups/${id}?${new URLSearchParams({ ...(q ? { q } : {}), ...(p > 1 ? { page: String(p) } : {}) })}`;
  const link = (type: string) => (mid: string) =>
    type === "group" ? `/directory/groups/${mid}` : type === "user" ? `/directory/users/${mid}` : null;
  return (
    <>
      <PageHeader
        title={g.displayName ?? g.id}
        description={g.description ?? undefined}
        actions={<DirectoryTabs current="groups" />}
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Group" testId="group-profile">
          <Facts
            rows={[
              ["Kind", `${GROUP_KIND_LABEL[g.kind] ?? g.kind}${g.isAssignableToRole ? " · role-assignable" : ""}`],
              ["Membership", g.isDynamic ? `Dynamic: ${g.membershipRule ?? ""}` : "Assigned"],
              ["Mail", g.mail],
              ["Visibility", g.visibility],
              ["Synced from on-premises", onPremisesLabel(g)],
              ["Created", when(g.createdAt)],
              [
                "Direct members",
                Object.entries(d.counts)
                  .map(([k, v]) => `${v} ${k}${v === 1 ? "" : "s"}`)
                  .join(", ") || "None",
              ],
            ]}
          />
        </Card>
        <Card title="Owners" count={d.owners.length} testId="group-owners">
          <LinkList
            items={d.owners.map((o) => ({ id: o.id, name: o.name, note: o.type }))}
            empty="Ownerless: reviews of this group go to the fallback reviewers."
            href={(oid) => `/directory/users/${oid}`}
          />
        </Card>
        <Card title="Member of" count={d.memberOf.length} testId="group-member-of">
          <LinkList
            items={d.memberOf.map((p) => ({ id: p.id, name: p.name, note: p.via }))}
            empty="Not nested in another group."
            href={(pid) => `/directory/groups/${pid}`}
          />
        </Card>
        <Card title="Grants" count={d.roles.length + d.apps.length} testId="group-grants">
          <LinkList
            items={[
              ...d.roles.map((r) => ({
                id: r.id,
                name: r.name,
                sub: `directory role · ${r.state.toLowerCase()} · ${r.scope}`,
                note: r.via,
              })),
              ...d.apps.map((a) => ({ id: a.id, name: a.name, sub: `app · ${a.role}`, note: a.via })),
            ]}
            empty="No directory role or app is assigned to this group."
          />
        </Card>
        {(d.group.isAssignableToRole || d.pim.length > 0) && (
          <Card title="Privileged Identity Management" count={d.pim.length} testId="group-pim">
            <LinkList
              items={d.pim.map((p) => ({
                id: p.principalId,
                name: p.principalName,
                sub: `${p.access.toLowerCase()} · ${p.state.toLowerCase()}`,
              }))}
              empty="Nobody is eligible for this group, and no membership ends at a date (as of the last sync)."
              href={(pid) => link(d.pim.find((p) => p.principalId === pid)?.principalType ?? "user")(pid)}
            />
          </Card>
        )}
      </div>
      <div className="mt-6">
        <Card title="Members" count={d.memberTotal} testId="group-members">
          <form action={`/directory/groups/${id}`} className="flex gap-2 border-b border-slate-100 px-5 py-3">
            <input
              type="search"
              name="q"
              defaultValue={q}
              placeholder="Search members"
              aria-label="Search members"
              className="w-64 rounded-md border border-slate-300 px-3 py-1.5 text-sm"
            />
            <button type="submit" className={buttonClass("secondary")}>
              Search
            </button>
          </form>
          <ul className="divide-y divide-slate-100">
            {d.members.map((m) => {
              const to = link(m.type)(m.id);
              return (
                <li key={m.id} className="grid grid-cols-4 gap-4 px-5 py-2 text-sm">
                  <span className="col-span-2">
                    {to ? (
                      <Link href={to} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                        {m.name}
                      </Link>
                    ) : (
                      <span className="font-medium">{m.name}</span>
                    )}
                    {m.upn && <span className="ml-2 text-xs text-slate-500">{m.upn}</span>}
                  </span>
                  <span className="text-slate-600">
                    {m.type === "group"
                      ? "Nested group"
                      : m.type === "user"
                        ? `${m.userType ?? "Member"}${m.enabled === false ? " · disabled" : ""}`
                        : m.type}
                  </span>
                  <span className="text-right text-xs text-slate-500">
                    {m.type === "user" ? `last sign-in ${m.lastSignInAt ? m.lastSignInAt.slice(0, 10) : "never"}` : ""}
                  </span>
                </li>
              );
            })}
            {d.members.length === 0 && (
              <li className="px-5 py-4 text-sm text-slate-500">{q ? "No member matches." : "No members."}</li>
            )}
          </ul>
          <div className="flex items-center justify-between border-t border-slate-100 px-5 py-2 text-sm text-slate-600">
            <span>
              page {page} of {pages}
            </span>
            <span className="flex gap-2">
              {page > 1 && (
                <Link href={href(page - 1)} className="rounded-md border border-slate-300 bg-white px-3 py-1">
                  Previous
                </Link>
              )}
              {page < pages && (
                <Link href={href(page + 1)} className="rounded-md border border-slate-300 bg-white px-3 py-1">
                  Next
                </Link>
              )}
            </span>
          </div>
        </Card>
      </div>
    </>
  );
}
