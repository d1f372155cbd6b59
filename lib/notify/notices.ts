/**
 * Notices that are not a reviewer's work (#18): the summary admins get when a campaign closes and when it is applied.
 * Written inside the event's own transaction, like every notice: the Notification row is the in-app inbox entry and
 * the transactional outbox's record at once (lib/notify/compose.ts turns it into mail and Teams messages).
 */
import type { Db } from "@/lib/db/index";

type Tx = Pick<Db, "principal" | "notification">;

/** One notice per admin Recert knows (everyone who signed in with the admin role). */
export async function notifyAdmins(
  tx: Tx,
  tenantId: string,
  at: Date,
  n: { campaignId: string; kind: "closed" | "applied"; subject: string; body: string; link: string },
): Promise<number> {
  const admins = await tx.principal.findMany({ where: { tenantId, role: "admin" }, select: { id: true } });
  if (admins.length === 0) return 0;
  await tx.notification.createMany({
    data: admins.map((a) => ({
      tenantId,
      recipientId: a.id,
      kind: n.kind,
      subject: n.subject,
      body: n.body,
      link: n.link,
      campaignId: n.campaignId,
      createdAt: at,
    })),
  });
  return admins.length;
}
