import { actorOf } from '../../auth/actor.js';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { ConflictError, TransitionError, ValidationError } from '../../errors.js';
import { flash } from '../../http/flash.js';
import { STAFF, requireRole } from '../../http/guards.js';
import { routeId } from '../../http/params.js';
import { fmt } from '../tickets/presenter.js';
import { SNOOZE_HOURS, closeForm, fieldErrors, followUpForm, snoozeForm } from './schema.js';
import { closeFollowUp, createFollowUp, listDue, snoozeFollowUp, type Parent } from './service.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** POST /tickets/:id/follow-ups and /interactions/:id/follow-ups: a failed form comes back on its own page (422). */
export function createFollowUpHandler(db: Db, kind: 'ticket' | 'interaction') {
  return async (req: Request, res: Response) => {
    const id = routeId(req.params.id, `No such ${kind}.`);
    const parent: Parent = kind === 'ticket' ? { ticketId: id } : { interactionId: id };
    const back = `/${kind}s/${id}`;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = { dueAt: str(body.dueAt), reason: str(body.reason) };
    const again = (errors: Record<string, string>) =>
      res.status(422).render('follow-ups/new', {
        title: 'Set a follow-up',
        action: `${back}/follow-ups`,
        back,
        values,
        errors,
      });
    const parsed = followUpForm.safeParse(body);
    if (!parsed.success) return again(fieldErrors(parsed.error));
    try {
      await createFollowUp(db, actorOf(req), parent, parsed.data);
    } catch (error) {
      if (error instanceof ValidationError) return again(error.fieldErrors);
      if (error instanceof TransitionError) return again({ form: error.message });
      throw error;
    }
    flash(req, 'success', `Follow-up set for ${fmt.dateTime(parsed.data.dueAt)} UTC.`);
    res.redirect(303, back);
  };
}

export function followUpsRouter({ db, pool }: AppContext): Router {
  const r = Router();

  const due = async (req: Request, res: Response) => {
    const actor = actorOf(req);
    const rows = await listDue(pool, actor);
    res.render('follow-ups/list', {
      title: 'Follow-ups due',
      rows,
      me: actor.id,
      fmt,
      snoozeHours: SNOOZE_HOURS,
    });
  };

  const act = (what: 'done' | 'cancel' | 'snooze') => async (req: Request, res: Response) => {
    const id = routeId(req.params.id, 'No such follow-up.');
    const actor = actorOf(req);
    try {
      if (what === 'snooze') {
        const parsed = snoozeForm.safeParse(req.body ?? {});
        if (!parsed.success)
          throw new ValidationError(
            Object.values(fieldErrors(parsed.error))[0] ?? 'Choose how long.',
          );
        await snoozeFollowUp(db, actor, id, parsed.data.hours, parsed.data.version);
      } else {
        const parsed = closeForm.safeParse(req.body ?? {});
        if (!parsed.success) throw new ValidationError('Reload the page and try again.');
        await closeFollowUp(
          db,
          actor,
          id,
          what === 'done' ? 'done' : 'cancelled',
          parsed.data.version,
        );
      }
      flash(
        req,
        'success',
        { done: 'Follow-up done.', cancel: 'Follow-up cancelled.', snooze: 'Follow-up snoozed.' }[
          what
        ],
      );
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      flash(
        req,
        'error',
        'Someone changed this follow-up since you loaded the page; check it and try again.',
      );
    }
    res.redirect(303, '/follow-ups');
  };

  r.get('/', requireRole(...STAFF), due);
  r.post('/:id/done', requireRole(...STAFF), act('done'));
  r.post('/:id/snooze', requireRole(...STAFF), act('snooze'));
  r.post('/:id/cancel', requireRole(...STAFF), act('cancel'));
  return r;
}
