import { actorOf } from '../../auth/actor.js';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { formAction } from '../../http/outcome.js';
import { MANAGERS, STAFF, requireRole } from '../../http/guards.js';
import { fmt } from '../../lib/format.js';
import { createFollowUpHandler } from '../follow-ups/router.js';
import { canAct } from './policy.js';
import {
  exportCsv,
  idOf,
  listPage,
  newPage,
  renderNew,
  renderShow,
  rowFragment,
  showPage,
} from './pages.js';
import { createForm, newQuery, noteForm, statusForm } from './schema.js';
import {
  addNote,
  assertMayChange,
  canTransition,
  changeStatus,
  startInteraction,
  type InteractionConflictState,
} from './service.js';
import { answerForm, overrideForm } from './verification-schema.js';
import { overrideVerification, verifyCaller } from './verification.js';

export function interactionsRouter(ctx: AppContext): Router {
  const { db } = ctx;
  const r = Router();
  r.get('/', requireRole(...STAFF), listPage(db));
  r.get('/new', requireRole(...STAFF), newPage(db));
  r.get('/export.csv', requireRole(...STAFF), exportCsv(ctx));
  r.post('/', requireRole(...STAFF), start(db));
  r.get('/:id', requireRole(...STAFF), showPage(db));
  r.get('/:id/row', requireRole(...STAFF), rowFragment(db));
  r.post('/:id/notes', requireRole(...STAFF), note(db));
  r.post('/:id/follow-ups', requireRole(...STAFF), createFollowUpHandler(db, 'interaction'));
  r.post('/:id/pending', requireRole(...STAFF), mayChange(db), status(db, 'pending'));
  r.post('/:id/resume', requireRole(...STAFF), mayChange(db), status(db, 'resume'));
  r.post('/:id/end', requireRole(...STAFF), mayChange(db), status(db, 'end'));
  r.post('/:id/verify', requireRole(...STAFF), mayChange(db), verify(db));
  r.post('/:id/verify/override', requireRole(...MANAGERS), override(db));
  return r;
}

/** The posted text fields, trimmed and cut short, to show the form again (never stored). */
function typed(body: unknown, keys: string[]): Record<string, string> {
  const source = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    keys.map((k) => [k, typeof source[k] === 'string' ? source[k].slice(0, 254) : '']),
  );
}

/**
 * 404 for an unknown interaction and 403 for one the person may not change, before the form is
 * read: a stranger learns nothing about the form (the service decides who may).
 */
function mayChange(db: Db) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    await assertMayChange(db, actorOf(req), idOf(req));
    next();
  };
}

function start(db: Db) {
  const startValues = (req: Request) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return {
      customerId: newQuery.shape.customerId.parse(body.customerId),
      channel: String(body.channel ?? ''),
      subject: String(body.subject ?? ''),
      idempotencyKey: typeof body.idempotencyKey === 'string' ? body.idempotencyKey : undefined,
    };
  };
  return formAction({
    schema: createForm,
    run: async (input, req) => {
      const { id, created } = await startInteraction(db, actorOf(req), input);
      const to = `/interactions/${id}`;
      return created
        ? { message: 'Interaction started.', to }
        : { message: 'That interaction was already started.', to, kind: 'info' };
    },
    invalid: (req, res, errors) =>
      renderNew(db, res, { status: 422, values: startValues(req), errors }),
  });
}

function note(db: Db) {
  return formAction({
    schema: noteForm,
    run: async ({ body }, req) => {
      const id = idOf(req);
      await addNote(db, actorOf(req), id, { body });
      return { message: 'Note added.', to: `/interactions/${id}#notes` };
    },
    invalid: (req, res, { form, ...errors }) => {
      const body = typeof req.body?.body === 'string' ? req.body.body : '';
      return renderShow(db, req, res, { status: 422, note: { body, errors }, notice: form });
    },
  });
}

/** The three status forms: the path segment, the status it asks for, and its button label. */
const STATUS_ACTIONS = {
  pending: { to: 'pending', label: 'Set pending', done: 'Interaction set to pending.' },
  resume: { to: 'active', label: 'Resume', done: 'Interaction is active again.' },
  end: { to: 'resolved', label: 'End interaction', done: 'Interaction ended.' },
} as const;
type StatusAction = keyof typeof STATUS_ACTIONS;

/** Pending / resume / end; a page that was stale gets the conflict page with a retry if still legal. */
function status(db: Db, action: StatusAction) {
  const { to, done, label } = STATUS_ACTIONS[action];
  return formAction({
    schema: statusForm,
    run: async ({ version }, req) => {
      await changeStatus(db, actorOf(req), idOf(req), { to, version });
      return { message: done, to: `/interactions/${idOf(req)}` };
    },
    conflict: (req, res, error) => {
      const current = error.current as InteractionConflictState;
      res.render('interactions/conflict', {
        title: `Someone changed interaction #${current.id} first`,
        current,
        fmt,
        message: error.message,
        requested: { action, label, to, version: Number(req.body.version) },
        canRetry: canAct(actorOf(req), current) && canTransition(current.status, to),
      });
    },
  });
}

const VERIFY_FIELDS = ['method', 'dateOfBirth', 'phoneLast4', 'email', 'numberCalled', 'reached'];

function verify(db: Db) {
  return formAction({
    schema: answerForm,
    run: async (answer, req) => {
      const id = idOf(req);
      const outcome = await verifyCaller(db, actorOf(req), id, answer);
      const to = `/interactions/${id}#verification`;
      if (outcome.passed) return { message: 'Identity verified.', to };
      const message = outcome.locked
        ? 'The answers did not match. Verification is now locked.'
        : `The answers did not match (${outcome.attemptsLeft} attempts left).`;
      return { message, to, kind: 'error' };
    },
    invalid: (req, res, { form, ...errors }) => {
      const verifyAgain = { values: typed(req.body, VERIFY_FIELDS), errors };
      return renderShow(db, req, res, { status: 422, verify: verifyAgain, notice: form });
    },
  });
}

function override(db: Db) {
  return formAction({
    schema: overrideForm,
    run: async ({ reason }, req) => {
      const id = idOf(req);
      await overrideVerification(db, actorOf(req), id, { reason, ip: req.ip });
      return {
        message: 'Verification overridden. This is recorded.',
        to: `/interactions/${id}#verification`,
      };
    },
    invalid: (req, res, errors) => {
      const overrideAgain = { values: typed(req.body, ['reason']), errors };
      return renderShow(db, req, res, { status: 422, override: overrideAgain });
    },
  });
}
