import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { z } from 'zod';
import { flash } from '../../http/flash.js';
import { formAction } from '../../http/outcome.js';
import { ALL_ROLES, requireRole, STAFF } from '../../http/guards.js';
import { pageView } from '../../http/pagination.js';
import { routeId } from '../../http/params.js';
import { allowedActions, canAct } from './policy.js';
import { streamCsv } from '../../http/csv-export.js';
import { queryString } from '../interactions/presenter.js';
import {
  ESCALATION_EXPORT_HEADER,
  escalationExportCells,
  escalationExportQuery,
} from './queries.js';
import {
  closeForm,
  listQuery,
  raiseForm,
  resolveForm,
  sourceQuery,
  takeForm,
  type RaiseInput,
} from './schema.js';
import { fieldErrors } from '../../http/forms.js';
import {
  assertMayActOn,
  closeEscalation,
  escalationRow,
  getEscalation,
  listEscalations,
  listRecipients,
  loadSource,
  raiseEscalation,
  resolveEscalation,
  takeEscalation,
  type EscalationDetail,
  type SourceSummary,
} from './service.js';

type ActionName = 'take' | 'resolve' | 'close';

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function escalationsRouter({ db, pool, config }: AppContext): Router {
  const r = Router();
  const staleHours = config.ESCALATION_STALE_HOURS;

  const exportCsv = async (req: Request, res: Response) => {
    const rules = { staleHours, now: new Date() };
    const { sql, params } = escalationExportQuery(req.user!, listQuery.parse(req.query), rules);
    await streamCsv({ db, pool }, req, res, {
      list: 'escalations',
      sql,
      params,
      header: ESCALATION_EXPORT_HEADER,
      cells: escalationExportCells,
    });
  };

  // --- list ------------------------------------------------------------------------------------
  const list = async (req: Request, res: Response) => {
    const query = listQuery.parse(req.query);
    const user = req.user!;
    const result = await listEscalations(db, user, query, staleHours);
    const filters = {
      status: query.status ?? '',
      target: query.target ?? '',
      stale: query.stale ?? '',
      scope: result.scope,
    };
    const shown = result.rows.length;
    res.render('escalations/list', {
      title: 'Escalations',
      escalations: result.rows,
      filters,
      canChooseScope: user.role === 'admin',
      canRaise: STAFF.includes(user.role),
      exportHref: `/escalations/export.csv${queryString({ ...filters, scope: user.role === 'admin' ? result.scope : '' })}`,
      staleHours,
      page: pageView(
        '/escalations',
        { ...filters, scope: user.role === 'admin' ? result.scope : '' },
        { number: query.page, hasMore: result.hasMore, shown },
      ),
    });
  };

  /** One list row, as the list renders it, for live pages; an escalation hidden from them is 404. */
  const row = async (req: Request, res: Response) => {
    const id = routeId(req.params.id, 'Escalation not found.');
    const e = await escalationRow(db, req.user!, id, staleHours);
    if (!e) throw new NotFoundError('Escalation not found.');
    res.set('Cache-Control', 'no-store').render('escalations/_row', { e, staleHours });
  };

  // --- raise -----------------------------------------------------------------------------------
  const renderNew = async (
    res: Response,
    status: number,
    source: SourceSummary,
    values: Record<string, string>,
    errors: Record<string, string>,
    formError?: string,
  ) => {
    const recipients = await listRecipients(db);
    res.status(status).render('escalations/new', {
      title: 'Raise an escalation',
      source,
      recipients,
      values,
      errors,
      formError,
    });
  };

  const sourceOf = (input: Record<string, unknown>) => {
    const parsed = sourceQuery.safeParse(input);
    if (!parsed.success)
      throw new ValidationError(
        'Raise an escalation from exactly one ticket, interaction or consultation.',
      );
    return parsed.data;
  };

  const newForm = async (req: Request, res: Response) => {
    const source = await loadSource(db, sourceOf(req.query));
    const targetType =
      str(req.query.targetType) === 'doctor' || str(req.query.targetType) === 'admin'
        ? str(req.query.targetType)
        : '';
    await renderNew(
      res,
      200,
      source,
      { targetType, targetUserId: '', reason: '', idempotencyKey: randomUUID() },
      {},
    );
  };

  const create = async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ref = sourceOf({
      ticketId: body.ticketId,
      interactionId: body.interactionId,
      consultationId: body.consultationId,
    });
    const source = await loadSource(db, ref);
    const values = {
      targetType: str(body.targetType),
      targetUserId: str(body.targetUserId),
      reason: str(body.reason),
      idempotencyKey: str(body.idempotencyKey) || randomUUID(),
    };
    const parsed = raiseForm.safeParse(body);
    if (!parsed.success)
      return renderNew(
        res,
        422,
        source,
        values,
        fieldErrors(parsed.error),
        'Please correct the highlighted fields.',
      );
    try {
      const result = await raiseEscalation(db, req.user!, ref, parsed.data as RaiseInput);
      flash(
        req,
        result.created ? 'success' : 'info',
        result.created ? 'Escalation raised.' : 'This escalation was already raised; here it is.',
      );
      res.redirect(303, `/escalations/${result.id}`);
    } catch (error) {
      if (error instanceof ValidationError)
        return renderNew(res, 422, source, values, error.fieldErrors, error.message);
      throw error;
    }
  };

  // --- detail ----------------------------------------------------------------------------------
  const renderShow = (
    res: Response,
    status: number,
    req: Request,
    e: EscalationDetail,
    form: {
      action?: ActionName;
      values?: Record<string, string>;
      errors?: Record<string, string>;
      formError?: string;
    } = {},
  ) => {
    const user = req.user!;
    const mayAct = canAct(user, e);
    res.status(status).render('escalations/show', {
      title: `Escalation #${e.id}`,
      e,
      mayAct,
      actions: mayAct ? allowedActions(e.status) : [],
      staleHours,
      form: {
        action: form.action ?? null,
        values: form.values ?? {},
        errors: form.errors ?? {},
        formError: form.formError ?? null,
      },
    });
  };

  const show = async (req: Request, res: Response) => {
    const e = await getEscalation(
      db,
      req.user!,
      routeId(req.params.id, 'Escalation not found.'),
      staleHours,
    );
    renderShow(res, 200, req, e);
  };

  // --- actions ---------------------------------------------------------------------------------
  const renderConflict = (
    res: Response,
    req: Request,
    action: ActionName,
    error: ConflictError,
    submitted: Record<string, string>,
  ) => {
    const current = error.current as EscalationDetail | null;
    if (!current) throw error;
    const user = req.user!;
    res.status(409).render('escalations/conflict', {
      title: 'Someone acted first',
      e: current,
      action,
      submitted,
      canRetry: canAct(user, current) && allowedActions(current.status).includes(action),
      message: error.message,
    });
  };

  const idOf = (req: Request) => routeId(req.params.id, 'Escalation not found.');
  const submittedOf = (req: Request) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return {
      version: str(body.version),
      outcome: str(body.outcome),
      ticketStatus: str(body.ticketStatus),
    };
  };

  /** Take, resolve or close: refused (403) before the form is read when the viewer may not act. */
  const act = <S extends z.ZodType>(
    action: ActionName,
    schema: S,
    run: (req: Request, input: z.output<S>) => Promise<void>,
    done: string,
  ) => {
    const submit = formAction({
      schema,
      run: async (input, req) => {
        await run(req, input);
        return { message: done, to: `/escalations/${idOf(req)}` };
      },
      invalid: async (req, res, errors) => {
        const e = await getEscalation(db, req.user!, idOf(req), staleHours);
        const formError = errors.version
          ? 'This form is out of date; reload the page and try again.'
          : (errors.form ?? 'Please correct the highlighted fields.');
        renderShow(res, 422, req, e, { action, values: submittedOf(req), errors, formError });
      },
      conflict: (req, res, error) => renderConflict(res, req, action, error, submittedOf(req)),
    });
    return async (req: Request, res: Response) => {
      await assertMayActOn(db, req.user!, idOf(req));
      await submit(req, res);
    };
  };

  const take = act(
    'take',
    takeForm,
    (req, { version }) => takeEscalation(db, req.user!, idOf(req), version),
    'You took this escalation.',
  );
  const resolve = act(
    'resolve',
    resolveForm,
    (req, input) => resolveEscalation(db, req.user!, idOf(req), input),
    'Escalation resolved.',
  );
  const close = act(
    'close',
    closeForm,
    (req, input) => closeEscalation(db, req.user!, idOf(req), input),
    'Escalation closed.',
  );

  r.get('/', requireRole(...ALL_ROLES), list);
  r.get('/new', requireRole(...STAFF), newForm);
  r.get('/export.csv', requireRole(...ALL_ROLES), exportCsv);
  r.post('/', requireRole(...STAFF), create);
  r.get('/:id', requireRole(...ALL_ROLES), show);
  r.get('/:id/row', requireRole(...ALL_ROLES), row);
  r.post('/:id/take', requireRole(...ALL_ROLES), take);
  r.post('/:id/resolve', requireRole(...ALL_ROLES), resolve);
  r.post('/:id/close', requireRole(...ALL_ROLES), close);
  return r;
}
