import { actorOf, isManager } from '../../auth/actor.js';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { NotFoundError } from '../../errors.js';
import { routeId } from '../../http/params.js';
import { streamCsv } from '../../http/csv-export.js';
import { pageQuery, pageView } from '../../http/pagination.js';
import { fmt } from '../../lib/format.js';
import { avatarOf } from '../customers/avatar.js';
import { findCustomer, searchCustomers } from '../customers/picker.js';
import { escalationsSeenBy } from '../escalations/service.js';
import { openFollowUps } from '../follow-ups/service.js';
import { mentionNames } from '../notifications/mentions.js';
import { canAct } from './policy.js';
import { presentContact } from './presenter.js';
import { queryString } from '../../http/query-string.js';
import {
  INTERACTION_EXPORT_HEADER,
  interactionExportCells,
  interactionExportQuery,
  interactionRow,
  listInteractions,
} from './queries.js';
import { listQuery, newQuery } from './schema.js';
import { getInteraction } from './service.js';
import { VERIFY_METHODS } from './verification-schema.js';
import { openConsultationsOf, verificationOf } from './verification.js';

// The interaction pages (GET) and the page renderers the form actions show again on a refusal.

export function idOf(req: Request): number {
  return routeId(req.params.id, 'No such interaction.');
}

/** A form shown again: what was typed (in this response only) and what to fix. */
export interface FormAgain {
  values?: Record<string, string>;
  errors?: Record<string, string>;
}

/** The interaction page as a refused form shows it again; every part is optional. */
export interface ShowAgain {
  status?: number;
  note?: { body?: string; errors?: Record<string, string> };
  verify?: FormAgain;
  override?: FormAgain;
  /** Why an action on the page was refused, when it is about no one field. */
  notice?: string;
}

export async function renderShow(db: Db, req: Request, res: Response, again: ShowAgain = {}) {
  const found = await getInteraction(db, idOf(req));
  const actor = actorOf(req);
  const interaction = {
    ...found,
    escalations: await escalationsSeenBy(db, actor, found.escalations),
  };
  res.status(again.status ?? 200).render('interactions/show', {
    title: `Interaction #${interaction.id}`,
    interaction,
    contact: presentContact(interaction.customer),
    customerAvatar: avatarOf(interaction.customer),
    mentionNames: await mentionNames(db),
    mayAct: canAct(actor, interaction),
    noteBody: again.note?.body ?? '',
    noteErrors: again.note?.errors ?? {},
    notice: again.notice ?? null,
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

/** What the start form shows: the chosen customer (or a search for one) and the fields so far. */
export interface NewValues {
  customerId?: number;
  q?: string;
  channel?: string;
  subject?: string;
  idempotencyKey?: string;
}

export async function renderNew(
  db: Db,
  res: Response,
  form: { status: number; values: NewValues; errors?: Record<string, string> },
) {
  const { values } = form;
  const customer = values.customerId ? await findCustomer(db, values.customerId) : null;
  const matches = customer ? [] : await searchCustomers(db, values.q);
  res.status(form.status).render('interactions/new', {
    title: 'Start an interaction',
    customer,
    matches,
    q: values.q ?? '',
    errors: form.errors ?? {},
    values: {
      channel: values.channel ?? 'chat',
      subject: values.subject ?? '',
      idempotencyKey: values.idempotencyKey ?? randomUUID(),
    },
  });
}

export const listPage = (db: Db) => async (req: Request, res: Response) => {
  const actor = actorOf(req);
  const page = pageQuery.parse(req.query.page);
  const filters = listQuery.parse(req.query);
  const { rows, hasMore, scope } = await listInteractions(db, actor, filters, page);
  const query = req.query as Record<string, unknown>;
  res.render('interactions/list', {
    title: 'Interactions',
    interactions: rows,
    filters: { ...filters, scope },
    fmt,
    isManager: isManager(actor),
    exportHref: `/interactions/export.csv${queryString(query)}`,
    page: pageView('/interactions', query, { number: page, hasMore, shown: rows.length }),
  });
};

export const exportCsv =
  ({ db, pool }: AppContext) =>
  async (req: Request, res: Response) => {
    const { sql, params } = interactionExportQuery(actorOf(req), listQuery.parse(req.query));
    await streamCsv({ db, pool }, req, res, {
      list: 'interactions',
      sql,
      params,
      header: INTERACTION_EXPORT_HEADER,
      cells: interactionExportCells,
    });
  };

/** One list row, as the list renders it, for live pages to swap in. */
export const rowFragment = (db: Db) => async (req: Request, res: Response) => {
  const i = await interactionRow(db, idOf(req));
  if (!i) throw new NotFoundError('No such interaction.');
  res.set('Cache-Control', 'no-store').render('interactions/_row', { i, fmt });
};

export const newPage = (db: Db) => async (req: Request, res: Response) => {
  const { customerId, q } = newQuery.parse(req.query);
  await renderNew(db, res, { status: 200, values: { customerId, q } });
};

export const showPage = (db: Db) => (req: Request, res: Response) => renderShow(db, req, res);
