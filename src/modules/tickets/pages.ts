import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { actorOf, type Actor } from '../../auth/actor.js';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { type ConflictError, NotFoundError } from '../../errors.js';
import { streamCsv } from '../../http/csv-export.js';
import { pageQuery, pageView } from '../../http/pagination.js';
import { fmt } from '../../lib/format.js';
import { currentTimeZone } from '../../lib/time.js';
import { replyChoices } from '../canned-replies/service.js';
import { avatarOf } from '../customers/avatar.js';
import { searchCustomers } from '../customers/picker.js';
import { escalationsSeenBy } from '../escalations/service.js';
import { mentionNames } from '../notifications/mentions.js';
import { activeStaff } from '../staff/directory.js';
import { canAct, canAssign, canClaim, canViewAll } from './policy.js';
import { clockLabel } from './presenter.js';
import { queryString } from '../../http/query-string.js';
import {
  listTickets,
  TICKET_EXPORT_HEADER,
  ticketExportCells,
  ticketExportSql,
  TICKET_LIST_ORDER,
  ticketListFilter,
  ticketRow,
} from './queries.js';
import { backTo, entryIdsOf, idOf, type FormValues } from './request.js';
import {
  CATEGORIES,
  CONTACT_CHANNELS,
  CONTACT_DIRECTIONS,
  PRIORITIES,
  STATUSES,
  listQuery,
  newQuery,
} from './schema.js';
import { getEditable, getEditableBy, getTicket, prefill } from './service.js';
import { statusButtons } from './status.js';
import { ENTRY_EDIT_WINDOW_MS, assertMayEditEntry, canEditEntry, getEntry } from './thread.js';
import { buildTimeline, entryLabel } from './timeline.js';

/** A GET handler of the ticket pages. */
type Page = (req: Request, res: Response) => Promise<void> | void;
type FieldErrors = Record<string, string>;

const options = { CATEGORIES, PRIORITIES, STATUSES };
const entryOptions = { channels: CONTACT_CHANNELS, directions: CONTACT_DIRECTIONS };

export const listPage =
  ({ db, pool }: AppContext): Page =>
  async (req, res) => {
    const actor = actorOf(req);
    const page = pageQuery.parse(req.query.page);
    const filters = listQuery.parse(req.query);
    const [{ tickets, hasMore, view }, staff] = await Promise.all([
      listTickets(pool, actor, filters, { page }),
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
      page: pageView('/tickets', raw, { number: page, hasMore, shown: tickets.length }),
    });
  };

export const exportCsvPage =
  ({ db, pool }: AppContext): Page =>
  async (req, res) => {
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
export const rowPage =
  ({ pool }: AppContext): Page =>
  async (req, res) => {
    const t = await ticketRow(pool, idOf(req), new Date());
    if (!t) throw new NotFoundError('No such ticket.');
    res.set('Cache-Control', 'no-store').render('tickets/_row', { t, fmt, clockLabel });
  };

/** Where a new ticket comes from: a contact, a consultation, a customer, or a customer search. */
export interface NewTicketSource {
  interactionId?: number;
  consultationId?: number;
  customerId?: number;
  q?: string;
}

export interface NewTicketForm {
  status: number;
  source: NewTicketSource;
  values: FormValues;
  errors?: FieldErrors;
}

export async function renderNew(db: Db, res: Response, form: NewTicketForm): Promise<void> {
  const { source, values } = form;
  const pre = await prefill(db, source);
  const matches = pre.customer ? [] : await searchCustomers(db, source.q);
  res.status(form.status).render('tickets/new', {
    title: 'New ticket',
    pre,
    matches,
    q: source.q ?? '',
    errors: form.errors ?? {},
    options,
    values: {
      subject: values.subject ?? pre.subject,
      description: values.description ?? '',
      category: values.category ?? pre.category,
      priority: values.priority ?? 'medium',
      idempotencyKey: values.idempotencyKey || randomUUID(),
    },
  });
}

export const newTicketPage =
  ({ db }: AppContext): Page =>
  (req, res) =>
    renderNew(db, res, { status: 200, source: newQuery.parse(req.query), values: {} });

/** How the ticket page is shown again after a refused action on it. */
export interface ShowAgain {
  status?: number;
  values?: FormValues;
  errors?: FieldErrors;
  /** Why the last action on the page was refused (a bad status or assign form). */
  notice?: string;
}

type MergeCandidate = Awaited<ReturnType<typeof getTicket>>['mergeCandidates'][number];
type FoundTicket = Omit<
  Awaited<ReturnType<typeof getTicket>>,
  'thread' | 'followUps' | 'mergeCandidates'
>;

/**
 * What the ticket page shows besides what `getTicket` read: the escalations this person may open,
 * and the staff, saved replies and names from the per-instance reference cache.
 */
async function ticketSurroundings(
  db: Db,
  actor: Actor,
  { found, mergeCandidates }: { found: FoundTicket; mergeCandidates: MergeCandidate[] },
) {
  const live = found.status !== 'merged';
  const mayAct = live && canAct(actor, found);
  const [escalations, staff, replies, names] = await Promise.all([
    escalationsSeenBy(db, actor, found.escalations),
    canAssign(actor) ? activeStaff(db) : [],
    live ? replyChoices(db) : [],
    live ? mentionNames(db) : [],
  ]);
  const may = { act: mayAct, assign: live && canAssign(actor), claim: canClaim(actor, found) };
  // Read with the ticket for everyone; offered only to someone who may merge it.
  const mergeInto = mayAct ? mergeCandidates : [];
  return { escalations, staff, mergeInto, replies, names, may };
}

export async function renderShow(
  { db, pool }: Pick<AppContext, 'db' | 'pool'>,
  req: Request,
  res: Response,
  again: ShowAgain = {},
): Promise<void> {
  const actor = actorOf(req);
  const now = new Date();
  const { thread, followUps, mergeCandidates, ...found } = await getTicket(pool, idOf(req), now);
  const { escalations, names, ...around } = await ticketSurroundings(db, actor, {
    found,
    mergeCandidates,
  });
  const ticket = { ...found, escalations };
  const timeline = buildTimeline({
    entries: thread.entries,
    changes: ticket.changes,
    escalations: ticket.escalations,
    editable: (entry) => entry.ticketId === ticket.id && canEditEntry(actor, entry, now),
    timeZone: currentTimeZone(),
  });
  res.status(again.status ?? 200).render('tickets/show', {
    title: `Ticket ${ticket.number}`,
    ticket,
    customerAvatar: avatarOf(ticket.customer),
    fmt,
    clockLabel,
    timeline,
    entryLabel,
    mergedFrom: thread.merged,
    entryOptions,
    compose: { values: again.values ?? {}, errors: again.errors ?? {} },
    notice: again.notice ?? null,
    statusButtons: statusButtons(ticket.status),
    mentionNames: names,
    followUps,
    ...around,
  });
}

export const showPage =
  (ctx: AppContext): Page =>
  (req, res) =>
    renderShow(ctx, req, res);

/** What this person tried when the ticket had changed under them. */
export interface Attempt {
  values: FormValues | null;
  attempted: string | null;
}

/** The 409 page: the ticket as saved now beside what this person tried, with fresh buttons. */
export async function renderConflict(
  db: Db,
  req: Request,
  res: Response,
  { error, yours }: { error: ConflictError; yours: Attempt },
): Promise<void> {
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
}

export interface FormAgain {
  status: number;
  values: FormValues;
  errors?: FieldErrors;
}

export async function renderEntryEdit(
  db: Db,
  req: Request,
  res: Response,
  form: FormAgain,
): Promise<void> {
  const ids = entryIdsOf(req);
  const [ticket, entry] = await Promise.all([
    getEditable(db, ids.ticketId),
    getEntry(db, ids.ticketId, ids.entryId),
  ]);
  assertMayEditEntry(actorOf(req), entry, new Date());
  res.status(form.status).render('tickets/entry-edit', {
    title: `Edit entry on ${ticket.number}`,
    ticket,
    entry,
    entryLabel,
    values: form.values,
    errors: form.errors ?? {},
    deadline: new Date(entry.createdAt.getTime() + ENTRY_EDIT_WINDOW_MS),
    fmt,
  });
}

export const entryEditPage =
  ({ db }: AppContext): Page =>
  async (req, res) => {
    const ids = entryIdsOf(req);
    const entry = await getEntry(db, ids.ticketId, ids.entryId);
    const values = { body: entry.body, version: String(entry.version) };
    await renderEntryEdit(db, req, res, { status: 200, values });
  };

export function renderEdit(
  res: Response,
  ticket: { id: number; number: string; version: number },
  { status, values, errors = {} }: FormAgain,
): void {
  res
    .status(status)
    .render('tickets/edit', { title: `Edit ${ticket.number}`, ticket, values, errors, options });
}

export const editPage =
  ({ db }: AppContext): Page =>
  async (req, res) => {
    const ticket = await getEditableBy(db, actorOf(req), idOf(req));
    renderEdit(res, ticket, {
      status: 200,
      values: {
        subject: ticket.subject,
        description: ticket.description,
        category: ticket.category,
        priority: ticket.priority,
        version: String(ticket.version),
      },
    });
  };

/** The outcome of a bulk change, shown once; a reload goes back to the list. */
export const bulkResultPage: Page = (req, res) => {
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

/** The bulk form refused as a whole: nothing was changed, and the page says why. */
export function renderBulkRefused(req: Request, res: Response, message: string): void {
  const view = { title: 'Bulk change', result: null, message, back: backTo(req) };
  res.status(422).render('tickets/bulk-result', view);
}
