/** Who reviews an item in a stage, and how they relate to it. Pure: the inputs are frozen at campaign start. */
import type { Stage } from "./definition";

export type Relation = "owner" | "app owner" | "manager" | "chosen" | "self" | "sponsor" | "fallback";
export interface ReviewerAssignment {
  reviewerId: string;
  relation: Relation;
}

export interface ReviewerContext {
  principalId: string;
  principalType: "user" | "group" | "servicePrincipal";
  /** User owners of the resource (groups only; roles and apps have none we review through). */
  resourceOwners: readonly string[];
  managerId: string | null;
  sponsorIds: readonly string[];
  /** An app's user owners, of its service principal and of its registration (#19): they review the app's own access. */
  principalOwners?: readonly string[];
  /** The campaign's creator: the fallback of last resort. */
  creatorId: string;
}

/**
 * Resolves a stage's reviewers for one item. Nobody reviews their own access except in self-review:
 * an owner who is also the member is skipped, and when nobody is left the item goes to the fallback
 * reviewers (the stage's, else the campaign's creator).
 */
export function resolveReviewers(
  stage: Pick<Stage, "reviewers" | "chosenIds" | "fallbackIds">,
  c: ReviewerContext,
): ReviewerAssignment[] {
  const out: ReviewerAssignment[] = [];
  const add = (ids: readonly string[], relation: Relation) => {
    for (const id of ids)
      if (id !== c.principalId && !out.some((o) => o.reviewerId === id)) out.push({ reviewerId: id, relation });
  };
  // An app's own access (#19): in an owners or self-review stage its owners review it, as the people who answer for
  // the app (an app cannot attest itself). It has no manager or sponsor: those stages go to the fallback reviewers, so
  // a second stage of managers, sponsors or chosen reviewers is not the owners' word again.
  if (c.principalType === "servicePrincipal") {
    if (stage.reviewers === "owners" || stage.reviewers === "self") add(c.principalOwners ?? [], "app owner");
    else if (stage.reviewers === "chosen") add(stage.chosenIds, "chosen");
  } else
    switch (stage.reviewers) {
      case "owners":
        add(c.resourceOwners, "owner");
        break;
      case "managers":
        if (c.principalType === "user" && c.managerId) add([c.managerId], "manager");
        break;
      case "chosen":
        add(stage.chosenIds, "chosen");
        break;
      case "self":
        if (c.principalType === "user") out.push({ reviewerId: c.principalId, relation: "self" });
        break;
      case "sponsors":
        add(c.sponsorIds, "sponsor");
        if (out.length === 0 && c.principalType === "user" && c.managerId) add([c.managerId], "manager");
        break;
    }
  if (out.length > 0) return out;
  add(stage.fallbackIds.length ? stage.fallbackIds : [c.creatorId], "fallback");
  // The creator reviewing their own access is the last resort; admins see such items flagged.
  if (out.length === 0) out.push({ reviewerId: c.creatorId, relation: "fallback" });
  return out;
}
