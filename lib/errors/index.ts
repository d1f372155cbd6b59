/**
 * The one error a person is meant to read. Domain code throws it with a code and a plain-words message;
 * the action wrapper (lib/action) returns the message as `{ ok: false, error }`, route handlers map the
 * code to an HTTP status. Any other error is a defect: logged server-side, never shown.
 * Free of `server-only` so CLIs and tests use it too.
 */
export type UserErrorCode = "unauthenticated" | "forbidden" | "not_found" | "conflict" | "invalid" | "stale_data";

export class UserError extends Error {
  constructor(
    public readonly code: UserErrorCode,
    message: string,
    /** Per-field messages for forms (from a zod schema). */
    public readonly fieldErrors?: Record<string, string[]>,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export const SIGN_IN_FIRST = "Sign in first.";
export const NO_ACCESS = "You do not have access to this.";

/** The HTTP status a route answers a UserError with. */
export function httpStatus(code: UserErrorCode): 400 | 401 | 403 | 404 | 409 {
  return (
    { unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, invalid: 400, stale_data: 409 } as const
  )[code];
}
