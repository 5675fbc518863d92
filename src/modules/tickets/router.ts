import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { routeId } from '../../http/params.js';
import { flash } from '../../http/flash.js';
import { STAFF, requireRole } from '../../http/guards.js';
import { pageQuery, pageView } from '../../http/pagination.js';
import { escalationsSeenBy } from '../escalations/service.js';
import { searchCustomers } from '../interactions/service.js';
import { canAct, canAssign, canClaim, canViewAll, type Actor } from './policy.js';
import { clockLabel, fmt, queryString } from './presenter.js';
import { CATEGORIES, PRIORITIES, STATUSES, assignForm, createForm, editForm, fieldErrors, listQuery, newQuery, statusForm } from './schema.js';
import {
  assignTicket, changeStatus, claimTicket, createTicket, editTicket, getEditable, getTicket, listTickets, prefill, staffList,
  ticketRows,
} from './service.js';

const options = { CATEGORIES, PRIORITIES, STATUSES };

function actorOf(req: Request): Actor {
  return { id: req.user!.id, role: req.user!.role, name: req.user!.name };
}

function idOf(req: Request): number {
  return routeId(req.params.id, 'No such ticket.');
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function ticketsRouter({ db, pool }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const actor = actorOf(req);
    const page = pageQuery.parse(req.query.page);
    const filters = listQuery.parse(req.query);
    const [{ tickets, hasMore, view }, staff] = await Promise.all([listTickets(pool, actor, filters, page), staffList(db)]);
    const raw = req.query as Record<string, unknown>;
    res.render('tickets/list', {
      title: 'Tickets', tickets, view, filters, staff, fmt, clockLabel, options, showAll: canViewAll(actor),
      tabHref: (v: string) => `/tickets${queryString(raw, { view: v })}`,
      page: pageView('/tickets', raw, page, hasMore, tickets.length),
    });
  };

  /** One list row, as the list renders it, for live pages to swap in. */
  const row = async (req: Request, res: Response) => {
    const [t] = await ticketRows(pool, [idOf(req)], new Date());
    if (!t) throw new NotFoundError('No such ticket.');
    res.set('Cache-Control', 'no-store').render('tickets/_row', { t, fmt, clockLabel });
  };

  type FormValues = Record<string, string>;
  const renderNew = async (res: Response, status: number, source: { interactionId?: number; consultationId?: number; customerId?: number; q?: string }, values: FormValues, errors: Record<string, string> = {}) => {
    const pre = await prefill(db, source);
    const matches = pre.customer ? [] : await searchCustomers(db, source.q);
    res.status(status).render('tickets/new', {
      title: 'New ticket', pre, matches, q: source.q ?? '', errors, options,
      values: {
        subject: values.subject ?? pre.subject, description: values.description ?? '', category: values.category ?? pre.category,
        priority: values.priority ?? 'medium', idempotencyKey: values.idempotencyKey || randomUUID(),
      },
    });
  };

  const newForm = async (req: Request, res: Response) => {
    const q = newQuery.parse(req.query);
    await renderNew(res, 200, q, {});
  };

  const create = async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values: FormValues = { subject: str(body.subject), description: str(body.description), category: str(body.category), priority: str(body.priority), idempotencyKey: str(body.idempotencyKey) };
    const source = newQuery.parse({ interactionId: body.interactionId, consultationId: body.consultationId, customerId: body.customerId });
    const parsed = createForm.safeParse(body);
    const again = (errors: Record<string, string>) =>
      renderNew(res, 422, source.interactionId || source.consultationId ? { interactionId: source.interactionId, consultationId: source.consultationId } : { customerId: source.customerId }, values, errors);
    if (!parsed.success) return again(fieldErrors(parsed.error));
    try {
      const { id, number, created } = await createTicket(db, actorOf(req), parsed.data);
      flash(req, created ? 'success' : 'info', created ? `Ticket ${number} created.` : `Ticket ${number} was already created.`);
      res.redirect(303, `/tickets/${id}`);
    } catch (error) {
      if (error instanceof ValidationError) return again(error.fieldErrors);
      throw error;
    }
  };

  const show = async (req: Request, res: Response) => {
    const actor = actorOf(req);
    const found = await getTicket(db, idOf(req));
    const ticket = { ...found, escalations: await escalationsSeenBy(db, actor, found.escalations) };
    res.render('tickets/show', {
      title: `Ticket ${ticket.number}`, ticket, fmt, clockLabel,
      may: { act: canAct(actor, ticket), assign: canAssign(actor), claim: canClaim(actor, ticket) },
      staff: canAssign(actor) ? await staffList(db) : [],
    });
  };

  const renderEdit = (res: Response, status: number, ticket: { id: number; number: string; version: number }, values: FormValues, errors: Record<string, string> = {}) =>
    res.status(status).render('tickets/edit', { title: `Edit ${ticket.number}`, ticket, values, errors, options });

  const edit = async (req: Request, res: Response) => {
    const ticket = await getEditable(db, idOf(req));
    if (!canAct(actorOf(req), ticket)) throw new ForbiddenError('This ticket is assigned to someone else.');
    renderEdit(res, 200, ticket, { subject: ticket.subject, description: ticket.description, category: ticket.category, priority: ticket.priority, version: String(ticket.version) });
  };

  const update = async (req: Request, res: Response) => {
    const id = idOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values: FormValues = { subject: str(body.subject), description: str(body.description), category: str(body.category), priority: str(body.priority), version: str(body.version) };
    const parsed = editForm.safeParse(body);
    if (!parsed.success) return renderEdit(res, 422, await getEditable(db, id), values, fieldErrors(parsed.error));
    try {
      await editTicket(db, actorOf(req), id, parsed.data);
    } catch (error) {
      if (error instanceof ConflictError && error.current) {
        const current = error.current as Awaited<ReturnType<typeof getEditable>>;
        return res.status(409).render('tickets/conflict', { title: `Conflict on ${current.number}`, current, values, options });
      }
      throw error;
    }
    flash(req, 'success', 'Ticket saved.');
    res.redirect(303, `/tickets/${id}`);
  };

  const claim = async (req: Request, res: Response) => {
    const id = idOf(req);
    const result = await claimTicket(db, actorOf(req), id);
    if (result.ok) flash(req, 'success', 'You now own this ticket.');
    else if (result.ownerName) flash(req, 'error', `Already claimed by ${result.ownerName}.`);
    else flash(req, 'error', 'A resolved ticket cannot be claimed.');
    res.redirect(303, `/tickets/${id}`);
  };

  const assign = async (req: Request, res: Response) => {
    const id = idOf(req);
    const parsed = assignForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      await getEditable(db, id);
      flash(req, 'error', Object.values(fieldErrors(parsed.error))[0] ?? 'Choose someone.');
      return res.redirect(303, `/tickets/${id}`);
    }
    try {
      await assignTicket(db, actorOf(req), id, parsed.data.assigneeId, parsed.data.version);
      flash(req, 'success', parsed.data.assigneeId ? 'Ticket assigned.' : 'Ticket unassigned.');
    } catch (error) {
      if (error instanceof ConflictError) flash(req, 'error', 'Someone changed this ticket since you loaded it; check it and assign again.');
      else if (error instanceof ValidationError) flash(req, 'error', error.message);
      else throw error;
    }
    res.redirect(303, `/tickets/${id}`);
  };

  const status = async (req: Request, res: Response) => {
    const id = idOf(req);
    const parsed = statusForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError(Object.values(fieldErrors(parsed.error))[0] ?? 'Choose a status.');
    try {
      await changeStatus(db, actorOf(req), id, parsed.data.status, parsed.data.version);
      flash(req, 'success', `Ticket ${parsed.data.status === 'open' ? 'reopened' : 'set to ' + parsed.data.status}.`);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      flash(req, 'error', 'Someone changed this ticket since you loaded it; check it and try again.');
    }
    res.redirect(303, `/tickets/${id}`);
  };

  r.get('/', requireRole(...STAFF), list);
  r.get('/new', requireRole(...STAFF), newForm);
  r.post('/', requireRole(...STAFF), create);
  r.get('/:id', requireRole(...STAFF), show);
  r.get('/:id/row', requireRole(...STAFF), row);
  r.get('/:id/edit', requireRole(...STAFF), edit);
  r.post('/:id/edit', requireRole(...STAFF), update);
  r.post('/:id/claim', requireRole(...STAFF), claim);
  r.post('/:id/assign', requireRole(...STAFF), assign);
  r.post('/:id/status', requireRole(...STAFF), status);
  return r;
}
