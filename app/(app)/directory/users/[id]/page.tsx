import { notFound } from "next/navigation";
import { METHOD_LABEL } from "@/lib/dashboards/overview";
import { Card, Facts, LinkList, onPremisesLabel, when } from "@/components/directory/detail";
import { DirectoryTabs } from "@/components/directory/tabs";
import { PageHeader } from "@/components/ui/page-header";
import { requirePageRole } from "@/lib/auth";
import { userDetail, ZDirectoryId } from "@/lib/directory/detail";
import { appCtx } from "@/lib/db";

export const metadata = { title: "User" };

export default async function UserPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageRole("admin", "auditor");
  const { id } = await params;
  if (!ZDirectoryId.safeParse(id).success) notFound();
  const d = await userDetail(appCtx(), id);
  if (!d) notFound();
  const u = d.user;
  const group = (gid: string) => `/directory/groups/${gid}`;
  return (
    <>
      <PageHeader
        title={u.displayName ?? u.userPrincipalName ?? u.id}
        description={u.userPrincipalName ?? undefined}
        actions={<DirectoryTabs current="users" />}
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Profile" testId="user-profile">
          <Facts
            rows={[
              [
                "Type",
                u.userType === "Guest"
                  ? `Guest${u.externalUserState ? ` (${u.externalUserState})` : ""}${u.creationType ? ` · ${u.creationType}` : ""}`
                  : "Member",
              ],
              ["Account", u.accountEnabled ? "Enabled" : "Disabled"],
              ["Synced from on-premises", onPremisesLabel(u)],
              ["Department", u.department],
              ["Job title", u.jobTitle],
              ["Company", u.companyName],
              ["Employee type", u.employeeType],
              ["Created", when(u.createdAt)],
              [
                "Manager",
                d.manager ? (
                  <a key="manager" href={`/directory/users/${d.manager.id}`} className="text-brand-700 hover:underline">
                    {d.manager.name}
                  </a>
                ) : (
                  "None"
                ),
              ],
              ["Direct reports", String(d.directReports)],
              ...(u.userType === "Guest"
                ? [
                    ["Sponsors", d.sponsors.length ? d.sponsors.map((s) => s.name).join(", ") : "None"] as [
                      string,
                      string,
                    ],
                  ]
                : []),
            ]}
          />
        </Card>
        <Card title="Sign-in activity" testId="user-sign-in">
          <Facts
            rows={[
              ["Last interactive sign-in", when(u.lastSignInAt)],
              ["Last non-interactive sign-in", when(u.lastNonInteractiveSignInAt)],
              ["Last successful sign-in", when(u.lastSuccessfulSignInAt)],
            ]}
          />
        </Card>
        <Card title="MFA" testId="user-mfa">
          {d.mfa ? (
            <Facts
              rows={[
                ["Registered", d.mfa.registered ? "Yes" : "No"],
                ["Methods", d.mfa.methods.length ? d.mfa.methods.map((m) => METHOD_LABEL[m] ?? m).join(", ") : "None"],
                ["Default method", d.mfa.default ? (METHOD_LABEL[d.mfa.default] ?? d.mfa.default) : "–"],
                ["Passwordless capable", d.mfa.passwordless ? "Yes" : "No"],
                ["Reported", when(d.mfa.updatedAt)],
              ]}
            />
          ) : (
            <p className="px-5 py-4 text-sm text-slate-500">
              No registration record (Graph omits disabled accounts, and needs Entra ID P1/P2).
            </p>
          )}
        </Card>
        <Card title="Directory roles" count={d.roles.length} testId="user-roles">
          <LinkList
            items={d.roles.map((r) => ({ id: r.id, name: r.name, sub: `${r.state} · ${r.scope}`, note: r.via }))}
            empty="No directory role."
          />
        </Card>
        <Card title="Groups" count={d.groups.length} testId="user-groups">
          <LinkList
            items={d.groups.map((g) => ({ id: g.id, name: g.name, note: g.via }))}
            empty="Not in any group."
            href={group}
          />
        </Card>
        {d.pim.length > 0 && (
          <Card title="Eligible and time-bound groups (PIM)" count={d.pim.length} testId="user-pim-groups">
            <LinkList
              items={d.pim.map((p) => ({ id: p.groupId, name: p.groupName, sub: `${p.access} · ${p.state}` }))}
              empty="None."
              href={group}
            />
          </Card>
        )}
        <Card title="Apps" count={d.apps.length} testId="user-apps">
          <LinkList
            items={d.apps.map((a) => ({ id: a.id, name: a.name, sub: a.role, note: a.via }))}
            empty="No app assignment."
          />
        </Card>
        <Card title="Owns groups" count={d.owns.length} testId="user-owns">
          <LinkList items={d.owns} empty="Owns no group." href={group} />
        </Card>
      </div>
    </>
  );
}
