import { actorOf, isManager } from '../../auth/actor.js';
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { escalationsSeenBy } from '../escalations/service.js';
import type { Db } from '../../db/client.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { routeId } from '../../http/params.js';
import { flash } from '../../http/flash.js';
import { formAction } from '../../http/outcome.js';
import { findCustomer, searchCustomers } from '../customers/picker.js';
import { MANAGERS, STAFF, requireRole } from '../../http/guards.js';
import { pageQuery, pageView } from '../../http/pagination.js';
import { canAct } from './policy.js';
import { presentContact, queryString } from './presenter.js';
import { fmt } from '../../lib/format.js';
import { streamCsv } from '../../http/csv-export.js';
import { avatarOf } from '../customers/avatar.js';
import {
  INTERACTION_EXPORT_HEADER,
  interactionExportCells,
  interactionExportQuery,
} from './queries.js';
import { expandShortcuts, interactionFillContext } from '../canned-replies/service.js';
import { createFollowUpHandler } from '../follow-ups/router.js';
import { mentionNames, notifyMentions } from '../notifications/mentions.js';
import { openFollowUps } from '../follow-ups/service.js';
import { createForm, listQuery, newQuery, noteForm, statusForm } from './schema.js';
import { fieldErrors } from '../../http/forms.js';
import { answerForm, overrideForm, VERIFY_METHODS } from './verification-schema.js';
import {
  openConsultationsOf,
  overrideVerification,
  verificationOf,
  verifyCaller,
} from './verification.js';
import {
  addNote,
  assertMayChange,
  canTransition,
  changeStatus,
  getInteraction,
  interactionRow,
  listInteractions,
  startInteraction,
  type InteractionConflictState,
} from './service.js';

/** The three status forms: the path segment, the status it asks for, and its button label. */
const STATUS_ACTIONS = {
  pending: { to: 'pending', label: 'Set pending', done: 'Interaction set to pending.' },
  resume: { to: 'active', label: 'Resume', done: 'Interaction is active again.' },
  end: { to: 'resolved', label: 'End interaction', done: 'Interaction ended.' },
} as const;
type StatusAction = keyof typeof STATUS_ACTIONS;

function idOf(req: Request): number {
  return routeId(req.params.id, 'No such interaction.');
}

/** A form shown again: what was typed (in this response only) and what to fix. */
interface FormAgain {
  values?: Record<string, string>;
  errors?: Record<string, string>;
}

async function renderShow(
  db: Db,
  req: Request,
  res: Response,
  status = 200,
  note: { body?: string; errors?: Record<string, string> } = {},
  again: { verify?: FormAgain; override?: FormAgain } = {},
) {
  const found = await getInteraction(db, idOf(req));
  const actor = actorOf(req);
  const interaction = {
    ...found,
    escalations: await escalationsSeenBy(db, actor, found.escalations),
  };
  res.status(status).render('interactions/show', {
    title: `Interaction #${interaction.id}`,
    interaction,
    contact: presentContact(interaction.customer),
    customerAvatar: avatarOf(interaction.customer),
    mentionNames: await mentionNames(db),
    mayAct: canAct(actor, interaction),
    noteBody: note.body ?? '',
    noteErrors: note.errors ?? {},
    fmt,
    followUps: await openFollowUps(db, { interactionId: interaction.id }),
    verification: await verificationOf(db, interaction.id),
    callerConsultations: await openConsultationsOf(db, interaction.customer.id),
    verifyMethods: VERIFY_METHODS,
    verifyForm: { values: {}, errors: {}, ...again.verify },
    overrideForm: { values: {}, errors: {}, ...again.override },
    mayOverride: isManager(actor),
  });
}

/** The posted text fields, trimmed and cut short, to show the form again (never stored). */
function typed(body: unknown, keys: string[]): Record<string, string> {
  const source = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    keys.map((k) => [k, typeof source[k] === 'string' ? source[k].slice(0, 254) : '']),
  );
}

export function interactionsRouter({ db, pool }: AppContext): Router {
  const r = Router();

  const exportCsv = async (req: Request, res: Response) => {
    const { sql, params } = interactionExportQuery(actorOf(req), listQuery.parse(req.query));
    await streamCsv({ db, pool }, req, res, {
      list: 'interactions',
      sql,
      params,
      header: INTERACTION_EXPORT_HEADER,
      cells: interactionExportCells,
    });
  };

  const list = async (req: Request, res: Response) => {
    const actor = actorOf(req);
    const page = pageQuery.parse(req.query.page);
    const filters = listQuery.parse(req.query);
    const { rows, hasMore, scope } = await listInteractions(db, actor, filters, page);
    res.render('interactions/list', {
      title: 'Interactions',
      interactions: rows,
      filters: { ...filters, scope },
      fmt,
      isManager: isManager(actor),
      exportHref: `/interactions/export.csv${queryString(req.query as Record<string, unknown>)}`,
      page: pageView('/interactions', req.query as Record<string, unknown>, {
        number: page,
        hasMore,
        shown: rows.length,
      }),
    });
  };

  /** One list row, as the list renders it, for live pages to swap in. */
  const row = async (req: Request, res: Response) => {
    const i = await interactionRow(db, idOf(req));
    if (!i) throw new NotFoundError('No such interaction.');
    res.set('Cache-Control', 'no-store').render('interactions/_row', { i, fmt });
  };

  const renderNew = async (
    res: Response,
    status: number,
    values: {
      customerId?: number;
      q?: string;
      channel?: string;
      subject?: string;
      idempotencyKey?: string;
    },
    errors: Record<string, string> = {},
  ) => {
    const customer = values.customerId ? await findCustomer(db, values.customerId) : null;
    const matches = customer ? [] : await searchCustomers(db, values.q);
    res.status(status).render('interactions/new', {
      title: 'Start an interaction',
      customer,
      matches,
      q: values.q ?? '',
      errors,
      values: {
        channel: values.channel ?? 'chat',
        subject: values.subject ?? '',
        idempotencyKey: values.idempotencyKey ?? randomUUID(),
      },
    });
  };

  const newForm = async (req: Request, res: Response) => {
    const query = newQuery.parse(req.query);
    await renderNew(res, 200, { customerId: query.customerId, q: query.q });
  };

  const create = async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const raw = {
      customerId: newQuery.shape.customerId.parse(body.customerId),
      channel: String(body.channel ?? ''),
      subject: String(body.subject ?? ''),
      idempotencyKey: typeof body.idempotencyKey === 'string' ? body.idempotencyKey : undefined,
    };
    const parsed = createForm.safeParse(body);
    if (!parsed.success) return renderNew(res, 422, raw, fieldErrors(parsed.error));
    try {
      const { id, created } = await startInteraction(db, actorOf(req), parsed.data);
      flash(
        req,
        created ? 'success' : 'info',
        created ? 'Interaction started.' : 'That interaction was already started.',
      );
      res.redirect(303, `/interactions/${id}`);
    } catch (error) {
      if (error instanceof ValidationError) return renderNew(res, 422, raw, error.fieldErrors);
      throw error;
    }
  };

  const show = async (req: Request, res: Response) => renderShow(db, req, res);

  const note = async (req: Request, res: Response) => {
    const id = idOf(req);
    const parsed = noteForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      const body = typeof req.body?.body === 'string' ? req.body.body : '';
      return renderShow(db, req, res, 422, { body, errors: fieldErrors(parsed.error) });
    }
    const actor = actorOf(req);
    await assertMayChange(db, actor, id);
    const text = await expandShortcuts(
      db,
      parsed.data.body,
      await interactionFillContext(db, id, actor),
    );
    await addNote(db, actor, id, text);
    await notifyMentions(db, { text, actorId: actor.id, record: { type: 'interaction', id } });
    flash(req, 'success', 'Note added.');
    res.redirect(303, `/interactions/${id}#notes`);
  };

  /** Pending / resume / end; a stranger or an unknown row gets 403/404 before the form is read. */
  const status = (action: StatusAction) => {
    const { to, done, label } = STATUS_ACTIONS[action];
    const submit = formAction({
      schema: statusForm,
      run: async ({ version }, req) => {
        await changeStatus(db, actorOf(req), idOf(req), to, version);
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
    return async (req: Request, res: Response) => {
      await assertMayChange(db, actorOf(req), idOf(req));
      await submit(req, res);
    };
  };

  const verify = async (req: Request, res: Response) => {
    const id = idOf(req);
    const parsed = answerForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      await assertMayChange(db, actorOf(req), id);
      const keys = ['method', 'dateOfBirth', 'phoneLast4', 'email', 'numberCalled', 'reached'];
      const verifyAgain = { values: typed(req.body, keys), errors: fieldErrors(parsed.error) };
      return renderShow(db, req, res, 422, {}, { verify: verifyAgain });
    }
    const outcome = await verifyCaller(db, actorOf(req), id, parsed.data);
    if (outcome.passed) flash(req, 'success', 'Identity verified.');
    else if (outcome.locked)
      flash(req, 'error', 'The answers did not match. Verification is now locked.');
    else flash(req, 'error', `The answers did not match (${outcome.attemptsLeft} attempts left).`);
    res.redirect(303, `/interactions/${id}#verification`);
  };

  const override = async (req: Request, res: Response) => {
    const id = idOf(req);
    const parsed = overrideForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      const overrideAgain = {
        values: typed(req.body, ['reason']),
        errors: fieldErrors(parsed.error),
      };
      return renderShow(db, req, res, 422, {}, { override: overrideAgain });
    }
    await overrideVerification(db, actorOf(req), id, parsed.data.reason, req.ip);
    flash(req, 'success', 'Verification overridden. This is recorded.');
    res.redirect(303, `/interactions/${id}#verification`);
  };

  r.get('/', requireRole(...STAFF), list);
  r.get('/new', requireRole(...STAFF), newForm);
  r.get('/export.csv', requireRole(...STAFF), exportCsv);
  r.post('/', requireRole(...STAFF), create);
  r.get('/:id', requireRole(...STAFF), show);
  r.get('/:id/row', requireRole(...STAFF), row);
  r.post('/:id/notes', requireRole(...STAFF), note);
  r.post('/:id/follow-ups', requireRole(...STAFF), createFollowUpHandler(db, 'interaction'));
  r.post('/:id/pending', requireRole(...STAFF), status('pending'));
  r.post('/:id/resume', requireRole(...STAFF), status('resume'));
  r.post('/:id/end', requireRole(...STAFF), status('end'));
  r.post('/:id/verify', requireRole(...STAFF), verify);
  r.post('/:id/verify/override', requireRole(...MANAGERS), override);
  return r;
}
