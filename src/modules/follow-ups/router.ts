import { actorOf } from '../../auth/actor.js';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { STAFF, requireRole } from '../../http/guards.js';
import { formAction } from '../../http/outcome.js';
import { routeId } from '../../http/params.js';
import { fmt } from '../../lib/format.js';
import { listDue } from './queries.js';
import { SNOOZE_HOURS, closeForm, followUpForm, snoozeForm } from './schema.js';
import { closeFollowUp, createFollowUp, snoozeFollowUp, type Parent } from './service.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const idOf = (req: Request) => routeId(req.params.id, 'No such follow-up.');

/** POST /tickets/:id/follow-ups and /interactions/:id/follow-ups: a failed form comes back on its own page (422). */
export function createFollowUpHandler(db: Db, kind: 'ticket' | 'interaction') {
  const parentOf = (req: Request) => {
    const id = routeId(req.params.id, `No such ${kind}.`);
    const parent: Parent = kind === 'ticket' ? { ticketId: id } : { interactionId: id };
    return { parent, back: `/${kind}s/${id}` };
  };
  return formAction({
    schema: followUpForm,
    run: async (input, req) => {
      const { parent, back } = parentOf(req);
      await createFollowUp(db, actorOf(req), parent, input);
      return { message: `Follow-up set for ${fmt.dateTime(input.dueAt)} UTC.`, to: back };
    },
    invalid: (req, res, errors) => {
      const { back } = parentOf(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      res.render('follow-ups/new', {
        title: 'Set a follow-up',
        action: `${back}/follow-ups`,
        back,
        values: { dueAt: str(body.dueAt), reason: str(body.reason) },
        errors,
      });
    },
  });
}

// Done, cancel and snooze come from the list's buttons: a refused one answers with the error
// page (422 when the form or the follow-up's state does not allow it, 409 when it changed).

/** A follow-up id that cannot exist is a 404 before its form is read. */
function knownId(handler: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response) => {
    idOf(req);
    return handler(req, res);
  };
}

function closeAction(db: Db, outcome: 'done' | 'cancelled', message: string) {
  return knownId(
    formAction({
      schema: closeForm,
      run: async ({ version }, req) => {
        await closeFollowUp(db, actorOf(req), idOf(req), { outcome, version });
        return { message, to: '/follow-ups' };
      },
    }),
  );
}

function snoozeAction(db: Db) {
  return knownId(
    formAction({
      schema: snoozeForm,
      run: async (input, req) => {
        await snoozeFollowUp(db, actorOf(req), idOf(req), input);
        return { message: 'Follow-up snoozed.', to: '/follow-ups' };
      },
    }),
  );
}

export function followUpsRouter({ db, pool }: AppContext): Router {
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

  const r = Router();
  r.get('/', requireRole(...STAFF), due);
  r.post('/:id/done', requireRole(...STAFF), closeAction(db, 'done', 'Follow-up done.'));
  r.post('/:id/snooze', requireRole(...STAFF), snoozeAction(db));
  r.post(
    '/:id/cancel',
    requireRole(...STAFF),
    closeAction(db, 'cancelled', 'Follow-up cancelled.'),
  );
  return r;
}
