export { nextAuth } from "./config";
export { getCaller, requireRole, requirePageRole, routeCaller, actionCaller, AuthError, type Caller } from "./guards";
export { roleFromClaims, ROLE_LABEL, type Role } from "./roles";
