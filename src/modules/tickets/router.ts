import { actorOf } from '../../auth/actor.js';
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../errors.js';
import { routeId } from '../../http/params.js';
import { flash } from '../../http/flash.js';
import { STAFF, requireRole } from '../../http/guards.js';
import { pageQuery, pageView } from '../../http/pagination.js';
import { escalationsSeenBy } from '../escalations/service.js';
import { searchCustomers } from '../interactions/service.js';
import { canAct, canAssign, canClaim, canViewAll } from './policy.js';
import { clockLabel, fmt, queryString } from './presenter.js';
import {
  ENTRY_EDIT_WINDOW_MS,
  addEntry,
  assertMayEditEntry,
  canEditEntry,
  editEntry,
  getEntry,
  loadEntries,
} from './thread.js';
import { buildTimeline, entryLabel } from './timeline.js';
import {
  CATEGORIES,
  CONTACT_CHANNELS,
  CONTACT_DIRECTIONS,
  PRIORITIES,
  STATUSES,
  assignForm,
  bulkForm,
  createForm,
  editForm,
  entryEditForm,
  entryForm,
  fieldErrors,
  listQuery,
  mergeForm,
  newQuery,
  statusForm,
} from './schema.js';
import { bulkUpdate } from './bulk.js';
import { statusButtons } from './status.js';
import {
  expandShortcuts,
  listReplies,
  ticketFillContext,
  withPickedReply,
} from '../canned-replies/service.js';
import { mergeCandidates, mergeTickets } from './merge.js';
import { avatarOf } from '../customers/avatar.js';
import { mentionNames } from '../notifications/mentions.js';
import { createFollowUpHandler } from '../follow-ups/router.js';
import { openFollowUps } from '../follow-ups/service.js';
import {
  assignTicket,
  changeStatus,
  claimTicket,
  createTicket,
  editTicket,
  getEditable,
  getTicket,
  listTickets,
  prefill,
  staffList,
  TICKET_LIST_ORDER,
  ticketListFilter,
  ticketRows,
} from './service.js';
import { streamCsv } from '../../http/csv-export.js';
import { TICKET_EXPORT_HEADER, ticketExportCells, ticketExportSql } from './queries.js';

const options = { CATEGORIES, PRIORITIES, STATUSES };
const entryOptions = { channels: CONTACT_CHANNELS, directions: CONTACT_DIRECTIONS };

function idOf(req: Request): number {
  return routeId(req.params.id, 'No such ticket.');
}

/** The list the user came from (only ever a /tickets list, so it cannot send them off-site). */
function backTo(req: Request): string {
  const raw = str((req.body as Record<string, unknown> | undefined)?.back) || str(req.query.back);
  return /^\/tickets(\?[^\s]*)?$/.test(raw) ? raw : '/tickets';
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
    const [{ tickets, hasMore, view }, staff] = await Promise.all([
      listTickets(pool, actor, filters, page),
      staffList(db),
    ]);
    const raw = req.query as Record<string, unknown>;
    res.render('tickets/list', {
      title: 'Tickets',
      tickets,
      view,
      filters,
      staff,
      fmt,
      clockLabel,
      options,
      showAll: canViewAll(actor),
      mayAssign: canAssign(actor),
      listUrl: req.originalUrl,
      exportHref: `/tickets/export.csv${queryString(raw)}`,
      tabHref: (v: string) => `/tickets${queryString(raw, { view: v })}`,
      page: pageView('/tickets', raw, page, hasMore, tickets.length),
    });
  };

  const exportCsv = async (req: Request, res: Response) => {
    const filter = ticketListFilter(actorOf(req), listQuery.parse(req.query), new Date());
    await streamCsv({ db, pool }, req, res, {
      list: 'tickets',
      sql: ticketExportSql({ ...filter, order: TICKET_LIST_ORDER }),
      params: filter.params,
      header: TICKET_EXPORT_HEADER,
      cells: ticketExportCells,
    });
  };

  /** One list row, as the list renders it, for live pages to swap in. */
  const row = async (req: Request, res: Response) => {
    const [t] = await ticketRows(pool, [idOf(req)], new Date());
    if (!t) throw new NotFoundError('No such ticket.');
    res.set('Cache-Control', 'no-store').render('tickets/_row', { t, fmt, clockLabel });
  };

  type FormValues = Record<string, string>;
  const renderNew = async (
    res: Response,
    status: number,
    source: { interactionId?: number; consultationId?: number; customerId?: number; q?: string },
    values: FormValues,
    errors: Record<string, string> = {},
  ) => {
    const pre = await prefill(db, source);
    const matches = pre.customer ? [] : await searchCustomers(db, source.q);
    res.status(status).render('tickets/new', {
      title: 'New ticket',
      pre,
      matches,
      q: source.q ?? '',
      errors,
      options,
      values: {
        subject: values.subject ?? pre.subject,
        description: values.description ?? '',
        category: values.category ?? pre.category,
        priority: values.priority ?? 'medium',
        idempotencyKey: values.idempotencyKey || randomUUID(),
      },
    });
  };

  const newForm = async (req: Request, res: Response) => {
    const q = newQuery.parse(req.query);
    await renderNew(res, 200, q, {});
  };

  const create = async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values: FormValues = {
      subject: str(body.subject),
      description: str(body.description),
      category: str(body.category),
      priority: str(body.priority),
      idempotencyKey: str(body.idempotencyKey),
    };
    const source = newQuery.parse({
      interactionId: body.interactionId,
      consultationId: body.consultationId,
      customerId: body.customerId,
    });
    const parsed = createForm.safeParse(body);
    const again = (errors: Record<string, string>) =>
      renderNew(
        res,
        422,
        source.interactionId || source.consultationId
          ? { interactionId: source.interactionId, consultationId: source.consultationId }
          : { customerId: source.customerId },
        values,
        errors,
      );
    if (!parsed.success) return again(fieldErrors(parsed.error));
    try {
      const { id, number, created } = await createTicket(db, actorOf(req), parsed.data);
      flash(
        req,
        created ? 'success' : 'info',
        created ? `Ticket ${number} created.` : `Ticket ${number} was already created.`,
      );
      res.redirect(303, `/tickets/${id}`);
    } catch (error) {
      if (error instanceof ValidationError) return again(error.fieldErrors);
      throw error;
    }
  };

  interface Compose {
    values?: FormValues;
    errors?: Record<string, string>;
  }
  const renderShow = async (req: Request, res: Response, status = 200, compose: Compose = {}) => {
    const actor = actorOf(req);
    const now = new Date();
    const found = await getTicket(db, idOf(req), now);
    const live = found.status !== 'merged';
    const mayAct = live && canAct(actor, found);
    // Everything else the page shows depends only on the ticket: read it in one round of queries.
    const [escalations, thread, staff, mergeInto, replies, followUps, names] = await Promise.all([
      escalationsSeenBy(db, actor, found.escalations),
      loadEntries(db, found.id),
      canAssign(actor) ? staffList(db) : [],
      mayAct ? mergeCandidates(db, found) : [],
      live ? listReplies(db) : [],
      openFollowUps(db, { ticketId: found.id }),
      live ? mentionNames(db) : [],
    ]);
    const ticket = { ...found, escalations };
    const timeline = buildTimeline({
      entries: thread.entries,
      changes: ticket.changes,
      escalations: ticket.escalations,
      editable: (entry) => entry.ticketId === ticket.id && canEditEntry(actor, entry, now),
    });
    res.status(status).render('tickets/show', {
      title: `Ticket ${ticket.number}`,
      ticket,
      customerAvatar: avatarOf(ticket.customer),
      fmt,
      clockLabel,
      timeline,
      entryLabel,
      mergedFrom: thread.merged,
      entryOptions,
      compose: { values: compose.values ?? {}, errors: compose.errors ?? {} },
      may: { act: mayAct, assign: live && canAssign(actor), claim: canClaim(actor, ticket) },
      statusButtons: statusButtons(ticket.status),
      staff,
      mergeInto,
      replies,
      followUps,
      mentionNames: names,
    });
  };

  const show = (req: Request, res: Response) => renderShow(req, res);

  const postEntry = async (req: Request, res: Response) => {
    const id = idOf(req);
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const body: Record<string, unknown> = {
      ...raw,
      body: await withPickedReply(db, str(raw.body), raw.cannedReplyId),
    };
    const values: FormValues = {
      kind: str(body.kind),
      channel: str(body.channel),
      direction: str(body.direction),
      body: str(body.body),
    };
    const parsed = entryForm.safeParse(body);
    if (!parsed.success)
      return renderShow(req, res, 422, { values, errors: fieldErrors(parsed.error) });
    const actor = actorOf(req);
    try {
      const text = await expandShortcuts(
        db,
        parsed.data.body,
        await ticketFillContext(db, id, actor),
      );
      await addEntry(db, actor, id, { ...parsed.data, body: text });
    } catch (error) {
      if (!(error instanceof TransitionError)) throw error;
      return renderShow(req, res, 422, { values, errors: { form: error.message } });
      throw error;
    }
    flash(req, 'success', parsed.data.kind === 'note' ? 'Note added.' : 'Contact logged.');
    res.redirect(303, `/tickets/${id}#thread`);
  };

  const entryIds = (req: Request) => ({
    ticketId: idOf(req),
    entryId: routeId(req.params.entryId, 'No such entry.'),
  });

  const renderEntryEdit = async (
    req: Request,
    res: Response,
    status: number,
    values: FormValues,
    errors = {},
  ) => {
    const ids = entryIds(req);
    const [ticket, entry] = await Promise.all([
      getEditable(db, ids.ticketId),
      getEntry(db, ids.ticketId, ids.entryId),
    ]);
    assertMayEditEntry(actorOf(req), entry, new Date());
    res.status(status).render('tickets/entry-edit', {
      title: `Edit entry on ${ticket.number}`,
      ticket,
      entry,
      entryLabel,
      values,
      errors,
      deadline: new Date(entry.createdAt.getTime() + ENTRY_EDIT_WINDOW_MS),
      fmt,
    });
  };

  const editEntryForm = async (req: Request, res: Response) => {
    const entry = await getEntry(db, idOf(req), routeId(req.params.entryId, 'No such entry.'));
    await renderEntryEdit(req, res, 200, { body: entry.body, version: String(entry.version) });
  };

  const updateEntry = async (req: Request, res: Response) => {
    const ids = entryIds(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values: FormValues = { body: str(body.body), version: str(body.version) };
    const parsed = entryEditForm.safeParse(body);
    if (!parsed.success) return renderEntryEdit(req, res, 422, values, fieldErrors(parsed.error));
    try {
      await editEntry(db, actorOf(req), ids, parsed.data);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const message =
        'This entry changed since you opened it; its current text is below and yours is kept in the box.';
      return renderEntryEdit(req, res, 409, values, { form: message });
    }
    flash(req, 'success', 'Entry updated.');
    res.redirect(303, `/tickets/${ids.ticketId}#entry-${ids.entryId}`);
  };

  const renderEdit = (
    res: Response,
    status: number,
    ticket: { id: number; number: string; version: number },
    values: FormValues,
    errors: Record<string, string> = {},
  ) =>
    res
      .status(status)
      .render('tickets/edit', { title: `Edit ${ticket.number}`, ticket, values, errors, options });

  const edit = async (req: Request, res: Response) => {
    const ticket = await getEditable(db, idOf(req));
    if (!canAct(actorOf(req), ticket))
      throw new ForbiddenError('This ticket is assigned to someone else.');
    renderEdit(res, 200, ticket, {
      subject: ticket.subject,
      description: ticket.description,
      category: ticket.category,
      priority: ticket.priority,
      version: String(ticket.version),
    });
  };

  const update = async (req: Request, res: Response) => {
    const id = idOf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values: FormValues = {
      subject: str(body.subject),
      description: str(body.description),
      category: str(body.category),
      priority: str(body.priority),
      version: str(body.version),
    };
    const parsed = editForm.safeParse(body);
    if (!parsed.success)
      return renderEdit(res, 422, await getEditable(db, id), values, fieldErrors(parsed.error));
    try {
      await editTicket(db, actorOf(req), id, parsed.data);
    } catch (error) {
      if (error instanceof ConflictError && error.current) {
        const current = error.current as Awaited<ReturnType<typeof getEditable>>;
        return res.status(409).render('tickets/conflict', {
          title: `Conflict on ${current.number}`,
          current,
          values,
          options,
        });
      }
      throw error;
    }
    flash(req, 'success', 'Ticket saved.');
    res.redirect(303, `/tickets/${id}`);
  };

  const bulk = async (req: Request, res: Response) => {
    const parsed = bulkForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      const message =
        Object.values(fieldErrors(parsed.error))[0] ?? 'Choose tickets and an action.';
      const view = { title: 'Bulk change', result: null, message, back: backTo(req) };
      return res.status(422).render('tickets/bulk-result', view);
    }
    req.session.ticketBulkResult = await bulkUpdate(db, actorOf(req), parsed.data);
    res.redirect(303, `/tickets/bulk?back=${encodeURIComponent(backTo(req))}`);
  };

  const bulkResult = (req: Request, res: Response) => {
    const result = req.session.ticketBulkResult;
    if (!result) return res.redirect(303, backTo(req));
    delete req.session.ticketBulkResult;
    res.render('tickets/bulk-result', {
      title: 'Bulk change',
      result,
      message: null,
      back: backTo(req),
    });
  };

  const merge = async (req: Request, res: Response) => {
    const id = idOf(req);
    const parsed = mergeForm.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new ValidationError(Object.values(fieldErrors(parsed.error))[0] ?? 'Choose a ticket.');
    const { intoId, version } = parsed.data;
    try {
      const merged = await mergeTickets(db, actorOf(req), {
        duplicateId: id,
        survivorId: intoId,
        version,
      });
      flash(req, 'success', `${merged.duplicateNumber} merged into ${merged.survivorNumber}.`);
      res.redirect(303, `/tickets/${merged.survivorId}#thread`);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      flash(req, 'error', error.message);
      res.redirect(303, `/tickets/${id}`);
    }
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
      if (error instanceof ConflictError)
        flash(
          req,
          'error',
          'Someone changed this ticket since you loaded it; check it and assign again.',
        );
      else if (error instanceof ValidationError) flash(req, 'error', error.message);
      else throw error;
    }
    res.redirect(303, `/tickets/${id}`);
  };

  const status = async (req: Request, res: Response) => {
    const id = idOf(req);
    const parsed = statusForm.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new ValidationError(Object.values(fieldErrors(parsed.error))[0] ?? 'Choose a status.');
    try {
      await changeStatus(db, actorOf(req), id, parsed.data.status, parsed.data.version);
      flash(
        req,
        'success',
        `Ticket ${parsed.data.status === 'open' ? 'reopened' : 'set to ' + parsed.data.status}.`,
      );
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      flash(
        req,
        'error',
        'Someone changed this ticket since you loaded it; check it and try again.',
      );
    }
    res.redirect(303, `/tickets/${id}`);
  };

  r.get('/', requireRole(...STAFF), list);
  r.get('/new', requireRole(...STAFF), newForm);
  r.get('/export.csv', requireRole(...STAFF), exportCsv);
  r.post('/bulk', requireRole(...STAFF), bulk);
  r.get('/bulk', requireRole(...STAFF), bulkResult);
  r.post('/', requireRole(...STAFF), create);
  r.get('/:id', requireRole(...STAFF), show);
  r.get('/:id/row', requireRole(...STAFF), row);
  r.get('/:id/edit', requireRole(...STAFF), edit);
  r.post('/:id/edit', requireRole(...STAFF), update);
  r.post('/:id/claim', requireRole(...STAFF), claim);
  r.post('/:id/assign', requireRole(...STAFF), assign);
  r.post('/:id/status', requireRole(...STAFF), status);
  r.post('/:id/merge', requireRole(...STAFF), merge);
  r.post('/:id/follow-ups', requireRole(...STAFF), createFollowUpHandler(db, 'ticket'));
  r.post('/:id/entries', requireRole(...STAFF), postEntry);
  r.get('/:id/entries/:entryId/edit', requireRole(...STAFF), editEntryForm);
  r.post('/:id/entries/:entryId/edit', requireRole(...STAFF), updateEntry);
  return r;
}
