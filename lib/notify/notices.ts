/**
 * Notices that are not a reviewer's work (#18): the summary admins get when a campaign closes and when it is applied.
 * Written inside the event's own transaction, like every notice: the Notification row is the in-app inbox entry and
 * the transactional outbox's record at once (lib/notify/compose.ts turns it into mail and Teams messages).
 */
import type { Db } from "@/lib/db/index";

type Tx = Pick<Db, "principal" | "notification" | "campaign" | "campaignDefinition">;

/**
 * One notice per admin Recert knows (everyone who signed in with the admin role), and always the admin who created the
 * campaign: roles come from sign-in tokens, so an installation whose admins have not signed in yet still tells one.
 */
export async function notifyAdmins(
  tx: Tx,
  tenantId: string,
  at: Date,
  n: { campaignId: string; kind: "closed" | "applied"; subject: string; body: string; link: string },
): Promise<number> {
  const admins = await tx.principal.findMany({ where: { tenantId, role: "admin" }, select: { id: true } });
  const c = await tx.campaign.findUnique({ where: { id: n.campaignId }, select: { definitionId: true } });
  const def = c
    ? await tx.campaignDefinition.findUnique({ where: { id: c.definitionId }, select: { createdById: true } })
    : null;
  const recipients = [...new Set([...admins.map((a) => a.id), ...(def ? [def.createdById] : [])])];
  if (recipients.length === 0) return 0;
  await tx.notification.createMany({
    data: recipients.map((id) => ({
      tenantId,
      recipientId: id,
      kind: n.kind,
      subject: n.subject,
      body: n.body,
      link: n.link,
      campaignId: n.campaignId,
      createdAt: at,
    })),
  });
  return recipients.length;
}
