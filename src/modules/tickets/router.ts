import { actorOf } from '../../auth/actor.js';
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { ConflictError, NotFoundError, TransitionError } from '../../errors.js';
import { routeId } from '../../http/params.js';
import { flash } from '../../http/flash.js';
import { formAction } from '../../http/outcome.js';
import { STAFF, requireRole } from '../../http/guards.js';
import { pageQuery, pageView } from '../../http/pagination.js';
import { escalationsSeenBy } from '../escalations/service.js';
import { searchCustomers } from '../customers/picker.js';
import { canAct, canAssign, canClaim, canViewAll } from './policy.js';
import { clockLabel, queryString } from './presenter.js';
import { fmt } from '../../lib/format.js';
import {
  ENTRY_EDIT_WINDOW_MS,
  addEntry,
  assertMayEditEntry,
  canEditEntry,
  editEntry,
  getEntry,
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
  listQuery,
  mergeForm,
  newQuery,
  statusForm,
} from './schema.js';
import { fieldErrors } from '../../http/forms.js';
import { bulkUpdate } from './bulk.js';
import {
  listTickets,
  TICKET_EXPORT_HEADER,
  ticketExportCells,
  ticketExportSql,
  TICKET_LIST_ORDER,
  ticketListFilter,
  ticketRows,
} from './queries.js';
import { statusButtons } from './status.js';
import {
  expandShortcuts,
  replyChoices,
  ticketFillContext,
  withPickedReply,
} from '../canned-replies/service.js';
import { mergeCandidates, mergeTickets } from './merge.js';
import { avatarOf } from '../customers/avatar.js';
import { mentionNames } from '../notifications/mentions.js';
import { activeStaff } from '../staff/directory.js';
import { createFollowUpHandler } from '../follow-ups/router.js';
import { openFollowUps } from '../follow-ups/service.js';
import {
  assignTicket,
  changeStatus,
  claimTicket,
  createTicket,
  editTicket,
  getEditable,
  getEditableBy,
  getTicket,
  prefill,
} from './service.js';
import { streamCsv } from '../../http/csv-export.js';

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
      activeStaff(db),
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

  const createValues = (req: Request): FormValues => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const keys = ['subject', 'description', 'category', 'priority', 'idempotencyKey'];
    return Object.fromEntries(keys.map((k) => [k, str(body[k])]));
  };

  /** The source the form came from, so the form shown again keeps its pre-filled links. */
  const createSource = (req: Request) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const source = newQuery.parse({
      interactionId: body.interactionId,
      consultationId: body.consultationId,
      customerId: body.customerId,
    });
    return source.interactionId || source.consultationId
      ? { interactionId: source.interactionId, consultationId: source.consultationId }
      : { customerId: source.customerId };
  };

  const create = formAction({
    schema: createForm,
    run: async (input, req) => {
      const { id, number, created } = await createTicket(db, actorOf(req), input);
      return created
        ? { message: `Ticket ${number} created.`, to: `/tickets/${id}` }
        : { message: `Ticket ${number} was already created.`, to: `/tickets/${id}`, kind: 'info' };
    },
    invalid: (req, res, errors) =>
      renderNew(res, 422, createSource(req), createValues(req), errors),
  });

  interface Compose {
    values?: FormValues;
    errors?: Record<string, string>;
    /** Why the last action on the page was refused (a bad status or assign form). */
    notice?: string;
  }
  const firstError = (errors: Record<string, string>) =>
    Object.values(errors)[0] ?? 'Check the form and try again.';
  const renderShow = async (req: Request, res: Response, status = 200, compose: Compose = {}) => {
    const actor = actorOf(req);
    const now = new Date();
    const { thread, ...found } = await getTicket(pool, idOf(req), now);
    const live = found.status !== 'merged';
    const mayAct = live && canAct(actor, found);
    // Everything else the page shows depends only on the ticket: read it in one round of queries.
    const [escalations, staff, mergeInto, replies, followUps, names] = await Promise.all([
      escalationsSeenBy(db, actor, found.escalations),
      canAssign(actor) ? activeStaff(db) : [],
      mayAct ? mergeCandidates(db, found) : [],
      live ? replyChoices(db) : [],
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
      notice: compose.notice ?? null,
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

  /** The 409 page: the ticket as saved now beside what this person tried, with fresh buttons. */
  const renderConflict = async (
    req: Request,
    res: Response,
    error: ConflictError,
    yours: { values: FormValues | null; attempted: string | null },
  ) => {
    const current = error.current as Awaited<ReturnType<typeof getEditable>>;
    const actor = actorOf(req);
    const staff = canAssign(actor) ? await activeStaff(db) : [];
    res.status(409).render('tickets/conflict', {
      title: `Conflict on ${current.number}`,
      current,
      ...yours,
      options,
      staff,
      assigneeName: staff.find((u) => u.id === current.assigneeId)?.name ?? null,
      statusButtons: canAct(actor, current) ? statusButtons(current.status) : [],
      may: { assign: current.status !== 'merged' && canAssign(actor) },
    });
  };

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
    const ticket = await getEditableBy(db, actorOf(req), idOf(req));
    renderEdit(res, 200, ticket, {
      subject: ticket.subject,
      description: ticket.description,
      category: ticket.category,
      priority: ticket.priority,
      version: String(ticket.version),
    });
  };

  const editValues = (req: Request): FormValues => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return Object.fromEntries(
      ['subject', 'description', 'category', 'priority', 'version'].map((k) => [k, str(body[k])]),
    );
  };

  const update = formAction({
    schema: editForm,
    run: async (input, req) => {
      await editTicket(db, actorOf(req), idOf(req), input);
      return { message: 'Ticket saved.', to: `/tickets/${idOf(req)}` };
    },
    invalid: async (req, res, errors) =>
      renderEdit(res, 422, await getEditable(db, idOf(req)), editValues(req), errors),
    conflict: (req, res, error) =>
      renderConflict(req, res, error, { values: editValues(req), attempted: null }),
  });

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

  const merge = formAction({
    schema: mergeForm,
    run: async ({ intoId, version }, req) => {
      const merged = await mergeTickets(db, actorOf(req), {
        duplicateId: idOf(req),
        survivorId: intoId,
        version,
      });
      const message = `${merged.duplicateNumber} merged into ${merged.survivorNumber}.`;
      return { message, to: `/tickets/${merged.survivorId}#thread` };
    },
    invalid: (req, res, errors) => renderShow(req, res, 422, { notice: firstError(errors) }),
    conflict: (req, res, error) =>
      renderConflict(req, res, error, { values: null, attempted: 'Merge into another ticket' }),
  });

  const claim = async (req: Request, res: Response) => {
    const id = idOf(req);
    const result = await claimTicket(db, actorOf(req), id);
    if (result.ok) flash(req, 'success', 'You now own this ticket.');
    else if (result.ownerName) flash(req, 'error', `Already claimed by ${result.ownerName}.`);
    else flash(req, 'error', 'A resolved ticket cannot be claimed.');
    res.redirect(303, `/tickets/${id}`);
  };

  const assign = formAction({
    schema: assignForm,
    run: async ({ assigneeId, version }, req) => {
      await assignTicket(db, actorOf(req), idOf(req), assigneeId, version);
      const message = assigneeId ? 'Ticket assigned.' : 'Ticket unassigned.';
      return { message, to: `/tickets/${idOf(req)}` };
    },
    invalid: (req, res, errors) => renderShow(req, res, 422, { notice: firstError(errors) }),
    conflict: (req, res, error) =>
      renderConflict(req, res, error, { values: null, attempted: 'Assign the ticket' }),
  });

  const status = formAction({
    schema: statusForm,
    run: async ({ status: to, version }, req) => {
      await changeStatus(db, actorOf(req), idOf(req), to, version);
      const message = `Ticket ${to === 'open' ? 'reopened' : 'set to ' + to}.`;
      return { message, to: `/tickets/${idOf(req)}` };
    },
    invalid: (req, res, errors) => renderShow(req, res, 422, { notice: firstError(errors) }),
    conflict: (req, res, error) => {
      const to = str((req.body as Record<string, unknown>).status);
      return renderConflict(req, res, error, { values: null, attempted: `Set status to ${to}` });
    },
  });

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
