import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { actorOf } from '../../auth/actor.js';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { NotFoundError, ValidationError, type ConflictError } from '../../errors.js';
import { streamCsv } from '../../http/csv-export.js';
import { ALL_ROLES, requireRole, STAFF } from '../../http/guards.js';
import { formAction } from '../../http/outcome.js';
import { pageView } from '../../http/pagination.js';
import { routeId } from '../../http/params.js';
import { queryString } from '../../http/query-string.js';
import { closeEscalation, resolveEscalation, takeEscalation } from './lifecycle.js';
import { allowedActions, canAct, canRaise } from './policy.js';
import {
  ESCALATION_EXPORT_HEADER,
  escalationExportCells,
  escalationExportQuery,
  escalationRow,
  listEscalations,
  listRecipients,
} from './queries.js';
import { raiseEscalation } from './raise.js';
import { closeForm, listQuery, raiseForm, resolveForm, sourceQuery, takeForm } from './schema.js';
import { getEscalation, getEscalationToActOn, type EscalationDetail } from './service.js';
import { loadSource } from './sources.js';

/** What the handlers need from the app: the database and the stale threshold. */
interface Ctx {
  db: Db;
  pool: AppContext['pool'];
  staleHours: number;
}

type ActionName = 'take' | 'resolve' | 'close';
type Fields = Record<string, string>;

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function bodyOf(req: Request): Record<string, unknown> {
  return (req.body ?? {}) as Record<string, unknown>;
}

function idOf(req: Request): number {
  return routeId(req.params.id, 'Escalation not found.');
}

// --- list ----------------------------------------------------------------------------------------

async function list({ db, staleHours }: Ctx, req: Request, res: Response) {
  const query = listQuery.parse(req.query);
  const user = actorOf(req);
  const result = await listEscalations(db, user, query, { staleHours });
  const filters = {
    status: query.status ?? '',
    target: query.target ?? '',
    stale: query.stale ?? '',
    scope: result.scope,
  };
  // Only admins choose a scope; for everyone else the link carries none.
  const linked = { ...filters, scope: user.role === 'admin' ? result.scope : '' };
  res.render('escalations/list', {
    title: 'Escalations',
    escalations: result.rows,
    filters,
    canChooseScope: user.role === 'admin',
    canRaise: canRaise(user),
    exportHref: `/escalations/export.csv${queryString(linked)}`,
    staleHours,
    page: pageView('/escalations', linked, {
      number: query.page,
      hasMore: result.hasMore,
      shown: result.rows.length,
    }),
  });
}

/** One list row, as the list renders it, for live pages; an escalation hidden from them is 404. */
async function row({ db, staleHours }: Ctx, req: Request, res: Response) {
  const e = await escalationRow(db, actorOf(req), idOf(req), { staleHours });
  if (!e) throw new NotFoundError('Escalation not found.');
  res.set('Cache-Control', 'no-store').render('escalations/_row', { e, staleHours });
}

async function exportCsv({ db, pool, staleHours }: Ctx, req: Request, res: Response) {
  const rules = { staleHours, now: new Date() };
  const { sql, params } = escalationExportQuery(actorOf(req), listQuery.parse(req.query), rules);
  await streamCsv({ db, pool }, req, res, {
    list: 'escalations',
    sql,
    params,
    header: ESCALATION_EXPORT_HEADER,
    cells: escalationExportCells,
  });
}

// --- raise ---------------------------------------------------------------------------------------

function sourceOf(input: Record<string, unknown>) {
  const parsed = sourceQuery.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      'Raise an escalation from exactly one ticket, interaction or consultation.',
    );
  return parsed.data;
}

interface RaisePage {
  status: number;
  values: Fields;
  errors?: Fields;
  formError?: string;
}

/** The raise form for the source named in `input` (query or hidden fields). */
async function renderRaise(db: Db, res: Response, input: Record<string, unknown>, page: RaisePage) {
  const source = await loadSource(db, sourceOf(input));
  const recipients = await listRecipients(db);
  res.status(page.status).render('escalations/new', {
    title: 'Raise an escalation',
    source,
    recipients,
    values: page.values,
    errors: page.errors ?? {},
    formError: page.formError,
  });
}

async function newForm({ db }: Ctx, req: Request, res: Response) {
  const targetType = ['doctor', 'admin'].includes(str(req.query.targetType))
    ? str(req.query.targetType)
    : '';
  const values = { targetType, targetUserId: '', reason: '', idempotencyKey: randomUUID() };
  await renderRaise(db, res, req.query, { status: 200, values });
}

function raiseValues(req: Request): Fields {
  const body = bodyOf(req);
  return {
    targetType: str(body.targetType),
    targetUserId: str(body.targetUserId),
    reason: str(body.reason),
    idempotencyKey: str(body.idempotencyKey) || randomUUID(),
  };
}

function raise({ db }: Ctx) {
  return formAction({
    schema: raiseForm,
    run: async (input, req) => {
      const result = await raiseEscalation(db, actorOf(req), sourceOf(bodyOf(req)), input);
      const to = `/escalations/${result.id}`;
      if (result.created) return { message: 'Escalation raised.', to };
      return { message: 'This escalation was already raised; here it is.', to, kind: 'info' };
    },
    invalid: (req, res, errors) => {
      const formError = errors._form ?? errors.form ?? 'Please correct the highlighted fields.';
      return renderRaise(db, res, bodyOf(req), {
        status: 422,
        values: raiseValues(req),
        errors,
        formError,
      });
    },
  });
}

// --- detail and its actions ----------------------------------------------------------------------

interface ActionForm {
  action?: ActionName;
  values?: Fields;
  errors?: Fields;
  formError?: string;
}

function renderShow(ctx: Ctx, res: Response, e: EscalationDetail, form: ActionForm = {}) {
  const mayAct = canAct(actorOf(res.req), e);
  res.render('escalations/show', {
    title: `Escalation #${e.id}`,
    e,
    mayAct,
    actions: mayAct ? allowedActions(e.status) : [],
    staleHours: ctx.staleHours,
    form: {
      action: form.action ?? null,
      values: form.values ?? {},
      errors: form.errors ?? {},
      formError: form.formError ?? null,
    },
  });
}

async function show(ctx: Ctx, req: Request, res: Response) {
  const e = await getEscalation(ctx.db, actorOf(req), idOf(req), { staleHours: ctx.staleHours });
  renderShow(ctx, res, e);
}

function submittedOf(req: Request): Fields {
  const body = bodyOf(req);
  return {
    version: str(body.version),
    outcome: str(body.outcome),
    ticketStatus: str(body.ticketStatus),
  };
}

function renderConflict(req: Request, res: Response, action: ActionName, error: ConflictError) {
  const current = error.current as EscalationDetail;
  res.render('escalations/conflict', {
    title: 'Someone acted first',
    e: current,
    action,
    submitted: submittedOf(req),
    canRetry: canAct(actorOf(req), current) && allowedActions(current.status).includes(action),
    message: error.message,
  });
}

const DONE: Record<ActionName, string> = {
  take: 'You took this escalation.',
  resolve: 'Escalation resolved.',
  close: 'Escalation closed.',
};

/**
 * Take, resolve or close. The service checks who may act; a refused form is shown again only to
 * someone who may act (getEscalationToActOn answers 403 to the others).
 */
function lifecycleAction<S extends z.ZodType>(
  ctx: Ctx,
  action: ActionName,
  schema: S,
  run: (db: Db, req: Request, input: z.output<S>) => Promise<void>,
) {
  return formAction({
    schema,
    run: async (input, req) => {
      await run(ctx.db, req, input);
      return { message: DONE[action], to: `/escalations/${idOf(req)}` };
    },
    invalid: async (req, res, errors) => {
      const rule = { staleHours: ctx.staleHours };
      const e = await getEscalationToActOn(ctx.db, actorOf(req), idOf(req), rule);
      const formError = errors.version
        ? 'This form is out of date; reload the page and try again.'
        : (errors.form ?? 'Please correct the highlighted fields.');
      renderShow(ctx, res, e, { action, values: submittedOf(req), errors, formError });
    },
    conflict: (req, res, error) => renderConflict(req, res, action, error),
  });
}

const take = (ctx: Ctx) =>
  lifecycleAction(ctx, 'take', takeForm, (db, req, input) =>
    takeEscalation(db, actorOf(req), idOf(req), input),
  );
const resolve = (ctx: Ctx) =>
  lifecycleAction(ctx, 'resolve', resolveForm, (db, req, input) =>
    resolveEscalation(db, actorOf(req), idOf(req), input),
  );
const close = (ctx: Ctx) =>
  lifecycleAction(ctx, 'close', closeForm, (db, req, input) =>
    closeEscalation(db, actorOf(req), idOf(req), input),
  );

// --- routes --------------------------------------------------------------------------------------

type Page = (ctx: Ctx, req: Request, res: Response) => Promise<void>;

export function escalationsRouter({ db, pool, config }: AppContext): Router {
  const ctx: Ctx = { db, pool, staleHours: config.ESCALATION_STALE_HOURS };
  const page = (handler: Page) => (req: Request, res: Response) => handler(ctx, req, res);
  const r = Router();
  r.get('/', requireRole(...ALL_ROLES), page(list));
  r.get('/new', requireRole(...STAFF), page(newForm));
  r.get('/export.csv', requireRole(...ALL_ROLES), page(exportCsv));
  r.post('/', requireRole(...STAFF), raise(ctx));
  r.get('/:id', requireRole(...ALL_ROLES), page(show));
  r.get('/:id/row', requireRole(...ALL_ROLES), page(row));
  r.post('/:id/take', requireRole(...ALL_ROLES), take(ctx));
  r.post('/:id/resolve', requireRole(...ALL_ROLES), resolve(ctx));
  r.post('/:id/close', requireRole(...ALL_ROLES), close(ctx));
  return r;
}
