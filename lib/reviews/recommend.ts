/**
 * Recommendations shown next to each review item, with their reason. Pure: the campaign freezes the
 * inputs from its sync, so the same item always gets the same recommendation.
 */
export type Recommendation = "approve" | "revoke" | "no_data";

export interface RecommendationInput {
  accountEnabled: boolean;
  userType: "Member" | "Guest";
  externalUserState: string | null;
  /** When the invitation was sent (creation of the guest), for pending invitations. */
  createdAt: Date | null;
  lastSignInAt: Date | null;
  /** False when the tenant gives no sign-in activity (no P1/P2 licence, or AuditLog.Read.All missing). */
  signInDataAvailable: boolean;
  /** Share (0..1) of the person's peers (same manager, else same department) who hold this access; null when there are too few peers. */
  peerShare: number | null;
}

export interface RecommendationOptions {
  inactiveDays: number;
  pendingInvitationDays: number;
  /** Below this share of peers holding the access, the person is an outlier. */
  peerOutlierThreshold: number;
  now: Date;
}

export const DEFAULT_RECOMMENDATION_OPTIONS: Omit<RecommendationOptions, "now"> = {
  inactiveDays: 30,
  pendingInvitationDays: 30,
  peerOutlierThreshold: 0.1,
};

const DAY = 86_400_000;

export function recommend(
  i: RecommendationInput,
  o: RecommendationOptions,
): { recommendation: Recommendation; reason: string } {
  if (!i.accountEnabled) return { recommendation: "revoke", reason: "The account is disabled." };
  if (
    i.userType === "Guest" &&
    i.externalUserState === "PendingAcceptance" &&
    i.createdAt &&
    o.now.getTime() - i.createdAt.getTime() > o.pendingInvitationDays * DAY
  ) {
    const days = Math.floor((o.now.getTime() - i.createdAt.getTime()) / DAY);
    return { recommendation: "revoke", reason: `Guest invitation still pending after ${days} days.` };
  }
  if (!i.signInDataAvailable)
    return { recommendation: "no_data", reason: "Sign-in activity is not available for this tenant." };
  if (!i.lastSignInAt) return { recommendation: "revoke", reason: "Never signed in." };
  const idle = Math.floor((o.now.getTime() - i.lastSignInAt.getTime()) / DAY);
  if (idle > o.inactiveDays)
    return { recommendation: "revoke", reason: `No sign-in for ${idle} days (threshold ${o.inactiveDays}).` };
  if (i.peerShare !== null && i.peerShare < o.peerOutlierThreshold) {
    return {
      recommendation: "revoke",
      reason: `Peer outlier: only ${Math.round(i.peerShare * 100)}% of this person's peers hold this access.`,
    };
  }
  return {
    recommendation: "approve",
    reason: `Active: last sign-in ${idle === 0 ? "today" : `${idle} day${idle === 1 ? "" : "s"} ago`}.`,
  };
}

/**
 * Share of peers holding an access: peers are people with the same manager (at least `minPeers` of
 * them), else the same department; the person themself is not counted.
 */
export function peerShare(peers: { id: string; holds: boolean }[], personId: string, minPeers = 3): number | null {
  const others = peers.filter((p) => p.id !== personId);
  if (others.length < minPeers) return null;
  return others.filter((p) => p.holds).length / others.length;
}
