import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { ConflictError, ForbiddenError, TransitionError, ValidationError } from '../errors.js';
import { flash } from './flash.js';
import { fieldErrors } from './forms.js';

/**
 * Where a finished action sends the person, and what the next page tells them. `kind: 'error'` is
 * for an action that was answered but did not happen (a claim lost to a colleague): no form to
 * show again, only the page it was made from with the reason.
 */
export interface Done {
  message: string;
  to: string;
  kind?: 'success' | 'info' | 'error';
}

/**
 * A success answered with a page instead of a redirect, for a result to be shown once and kept
 * nowhere (a new sign-in link, the recovery codes shown when two-factor is turned on).
 */
export interface Shown {
  view: string;
  locals: Record<string, unknown>;
}

/**
 * One form action, told as its outcomes. Every module's POST handlers are built from this, so a
 * given outcome always gets the same answer:
 * - invalid input (the schema, a ValidationError or a refused transition): `invalid` shows the
 *   form again with the input kept, status 422 (without `invalid`, the 422 error page);
 * - a stale version (ConflictError): `conflict` shows the 409 page with both versions (without
 *   it, the 409 error page);
 * - not allowed (ForbiddenError): the 403 error page; `forbidden`, for a refusal the person can
 *   act on (verify the caller first), shows the form again with the input kept, status 403;
 * - not found goes on to the 404 error page;
 * - success: a flash message and a 303 redirect (or, for a `Shown` result, its page).
 */
export interface FormAction<S extends z.ZodType> {
  schema: S;
  run: (input: z.output<S>, req: Request) => Promise<Done | Shown>;
  invalid?: (req: Request, res: Response, errors: Record<string, string>) => Promise<void> | void;
  conflict?: (req: Request, res: Response, error: ConflictError) => Promise<void> | void;
  forbidden?: (req: Request, res: Response, error: ForbiddenError) => Promise<void> | void;
}

const firstMessage = (errors: Record<string, string>, fallback: string) =>
  Object.values(errors)[0] ?? fallback;

async function refuse<S extends z.ZodType>(
  action: FormAction<S>,
  req: Request,
  res: Response,
  errors: Record<string, string>,
): Promise<void> {
  if (!action.invalid)
    throw new ValidationError(firstMessage(errors, 'Check the form and try again.'), errors);
  res.status(422);
  await action.invalid(req, res, errors);
}

/** Maps a refusal raised by a service to its page; anything else goes to the error pages. */
async function answerRefusal<S extends z.ZodType>(
  action: FormAction<S>,
  req: Request,
  res: Response,
  error: unknown,
): Promise<void> {
  if (error instanceof ValidationError) {
    const fields = Object.keys(error.fieldErrors).length > 0;
    return refuse(action, req, res, fields ? error.fieldErrors : { form: error.message });
  }
  if (error instanceof TransitionError) return refuse(action, req, res, { form: error.message });
  if (error instanceof ConflictError && action.conflict && error.current) {
    res.status(409);
    return action.conflict(req, res, error);
  }
  if (error instanceof ForbiddenError && action.forbidden) {
    res.status(403);
    return action.forbidden(req, res, error);
  }
  throw error;
}

export function formAction<S extends z.ZodType>(action: FormAction<S>) {
  return async (req: Request, res: Response, _next?: NextFunction): Promise<void> => {
    const parsed = action.schema.safeParse(req.body ?? {});
    if (!parsed.success) return refuse(action, req, res, fieldErrors(parsed.error));
    let done: Done | Shown;
    try {
      done = await action.run(parsed.data, req);
    } catch (error) {
      return answerRefusal(action, req, res, error);
    }
    if ('view' in done) return res.render(done.view, done.locals);
    flash(req, done.kind ?? 'success', done.message);
    res.redirect(303, done.to);
  };
}
