/** Words for directory values, shared by server pages and client tables (so not in a "use client" file). */

/** How Graph's group kinds read in the UI (lists and the group page). */
export const GROUP_KIND_LABEL: Record<string, string> = {
  security: "Security",
  m365: "Microsoft 365",
  mailSecurity: "Mail-enabled security",
  distribution: "Distribution",
};

export const GROUP_FILTER_LABEL = {
  all: "All",
  security: "Security",
  m365: "Microsoft 365",
  roleAssignable: "Role-assignable",
  dynamic: "Dynamic",
  ownerless: "Ownerless",
} as const;
export const APP_FILTER_LABEL = {
  all: "All",
  assigned: "With assignments",
  assignmentRequired: "Assignment required",
  disabled: "Sign-in disabled",
} as const;
