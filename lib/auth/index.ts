export { nextAuth } from "./config";
export { getCaller, requireRole, requirePageRole, routeCaller, roleLayout, type Caller } from "./guards";
export { roleFromClaims, ROLE_LABEL, type Role } from "./roles";
