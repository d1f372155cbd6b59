import "server-only";
import { revalidatePath } from "next/cache";
import { unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { requireRole, type Caller, type Role } from "@/lib/auth";
import { appCtx, type Ctx } from "@/lib/db";
import { databaseFaultMessage } from "@/lib/db/errors";
import { UserError } from "@/lib/errors";
import { logError } from "@/lib/log";
import { stripNul } from "@/lib/input";

/**
 * The one shape of every server action: session → role → zod parse → one lib call → revalidate → a typed
 * result. Refusals (UserError, a busy or unreachable database, invalid input) come back as plain words;
 * anything else is logged here with a reference and the caller sees only that reference, never a message
 * or a stack. Roles are checked before the input is even parsed, so a refused caller learns nothing about
 * the input's shape. Ownership (a reviewer's own items) is checked again inside lib, per item.
 *
 *   export const startCampaignAction = action(
 *     { role: "admin", input: ZCampaignId, revalidate: ["/campaigns", "/reviews"] },
 *     async (campaignId, { ctx, actor }) => ({ itemCount: (await startCampaign(ctx, actor, campaignId)).itemCount }),
 *   );
 */
export type ActionResult<T extends object = object> =
  | ({ ok: true } & T)
  | { ok: false; error: string; fieldErrors?: Record<string, string[]> };

export interface ActionActor {
  id: string;
  name: string;
  role: Role;
}

export interface ActionContext {
  caller: Caller;
  /** Who the audit log records. */
  actor: ActionActor;
  ctx: Ctx;
}

interface BaseOptions {
  /** Who may call it. A reviewer's ownership of items is checked inside lib, per item. */
  role: Role | readonly Role[];
  /** Paths (layouts) whose cached pages the action changes. */
  revalidate?: readonly string[];
}
interface Options<S extends z.ZodType> extends BaseOptions {
  /** The argument's schema; an action without one takes no input and ignores what it is sent. */
  input: S;
}

function invalid(error: z.ZodError): { ok: false; error: string; fieldErrors: Record<string, string[]> } {
  const fieldErrors: Record<string, string[]> = {};
  for (const i of error.issues) {
    const key = i.path.join(".") || "input";
    fieldErrors[key] = [...(fieldErrors[key] ?? []), i.message];
  }
  const message = error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
  return { ok: false, error: message.slice(0, 1_000), fieldErrors };
}

/** A refusal in plain words, or a logged reference for a defect. */
export function failure(
  e: unknown,
  where: string,
): { ok: false; error: string; fieldErrors?: Record<string, string[]> } {
  // lib validates what it is handed (a campaign definition, a decision) with zod too: that is the caller's input.
  if (e instanceof z.ZodError) return invalid(e);
  if (e instanceof UserError)
    return { ok: false, error: e.message, ...(e.fieldErrors ? { fieldErrors: e.fieldErrors } : {}) };
  const fault = databaseFaultMessage(e);
  if (fault) return { ok: false, error: fault };
  const ref = crypto.randomUUID().slice(0, 8);
  logError("server action failed", e, {
    action: where,
    ref,
    ...(e instanceof Error && e.stack ? { stack: e.stack } : {}),
  });
  return {
    ok: false,
    error: `The server could not complete this (reference ${ref}). It has been logged; try again, or give the reference to your administrator.`,
  };
}

export function action<S extends z.ZodType, T extends object>(
  opts: Options<S>,
  fn: (input: z.output<S>, c: ActionContext) => Promise<T>,
): (input: z.input<S>) => Promise<ActionResult<T>>;
export function action<T extends object>(
  opts: BaseOptions,
  fn: (input: undefined, c: ActionContext) => Promise<T>,
): () => Promise<ActionResult<T>>;
export function action<S extends z.ZodType, T extends object>(
  opts: BaseOptions & { input?: S },
  fn: (input: z.output<S> | undefined, c: ActionContext) => Promise<T>,
) {
  const roles: Role[] = typeof opts.role === "string" ? [opts.role] : [...opts.role];
  const wrapped = async (raw?: unknown): Promise<ActionResult<T>> => {
    try {
      const caller = await requireRole(...roles);
      let input: z.output<S> | undefined;
      if (opts.input) {
        const parsed = opts.input.safeParse(stripNul(raw));
        if (!parsed.success) return invalid(parsed.error);
        input = parsed.data;
      }
      const out = await fn(input, {
        caller,
        actor: { id: caller.id, name: caller.name, role: caller.role },
        ctx: appCtx(),
      });
      for (const p of opts.revalidate ?? []) revalidatePath(p, "layout");
      return { ok: true, ...out };
    } catch (e) {
      // Next's own control flow (redirect, notFound) passes through untouched.
      unstable_rethrow(e);
      return failure(e, fn.name || "action");
    }
  };
  return wrapped;
}

/** A server action as a client component receives it (pages pass actions down as props; components never import app/). */
export type Action<I, T extends object = object> = (input: I) => Promise<ActionResult<T>>;
