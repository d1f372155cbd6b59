import { Badge, type BadgeTone } from "./badge";

/** The lifecycle states of campaigns and sync runs, each in one colour everywhere. */
const TONE: Record<string, BadgeTone> = {
  draft: "slate",
  active: "sky",
  closed: "amber",
  applied: "green",
  running: "sky",
  succeeded: "green",
  partial: "amber",
  failed: "red",
  abandoned: "slate",
  pending: "sky",
  approved: "green",
  rejected: "red",
  cancelled: "slate",
  // Notice outbox (#18).
  sending: "sky",
  sent: "green",
  unconfirmed: "amber",
  dismissed: "slate",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge tone={TONE[status] ?? "slate"} className="capitalize">
      {status}
    </Badge>
  );
}
