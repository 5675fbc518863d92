import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { actorOf } from '../../auth/actor.js';
import type { AppContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { filterParams, withQuery } from '../../http/query-string.js';
import { optionalId, routeId } from '../../http/params.js';
import { csvLine } from '../../lib/csv.js';
import { fmt } from '../../lib/format.js';
import { presentConsultationMedical, viewContext } from '../../privacy/index.js';
import { badgesFor } from './lifecycle.js';
import { consultationActions } from './policy.js';
import {
  CSV_HEADER,
  consultationRelated,
  consultationRow,
  csvRow,
  doctorOptions,
  listConsultations,
  mineOnly,
} from './queries.js';
import { MODES, PAYMENT_MODELS, PAYMENT_STATUSES, STATUSES, listQuery } from './schema.js';
import { getConsultation } from './service.js';
import { activeDoctors } from '../staff/directory.js';

// The consultation pages (GET handlers), and the two forms the POST handlers show again.

type Ctx = Pick<AppContext, 'db' | 'pool'>;
type Handler = (req: Request, res: Response) => Promise<void>;

const EXPORT_MAX_ROWS = 100_000;

/** An id given in the query string (like ?interaction=12) as a form value: '' when there is none. */
function queryId(value: unknown): string {
  return String(optionalId.parse(value) ?? '');
}

function queryStrings(query: Request['query']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query))
    if (typeof value === 'string') out[key] = value.slice(0, 100);
  return out;
}

function pageLink(base: URLSearchParams, after?: string): string {
  const params = new URLSearchParams(base);
  if (after) params.set('after', after);
  return withQuery('/consultations', params);
}

export function listPage({ db, pool }: Ctx): Handler {
  return async (req, res) => {
    const actor = actorOf(req);
    const query = listQuery.parse(req.query);
    const [{ rows, nextCursor }, doctors] = await Promise.all([
      listConsultations(pool, actor, query, PAGE_SIZE),
      activeDoctors(db),
    ]);
    const raw = queryStrings(req.query);
    const base = filterParams(raw, 'after');
    const now = new Date();
    res.render('consultations/list', {
      title: 'Consultations',
      // Added to each row, not spread into a copy: on Node 20, `{ ...row, badges }` gives every
      // copy a hidden class of its own, and each read of it in the template then misses V8's cache.
      consultations: rows.map((row) => Object.assign(row, { badges: badgesFor(row, now) })),
      filters: { ...raw, mine: mineOnly(query, actor) },
      exportHref: withQuery('/consultations/export.csv', base),
      doctors,
      STATUSES,
      PAYMENT_STATUSES,
      PAYMENT_MODELS,
      MODES,
      fmt,
      page: {
        prevHref: query.after ? pageLink(base) : null,
        nextHref: nextCursor ? pageLink(base, nextCursor) : null,
        summary: rows.length ? `Showing ${rows.length}${query.after ? ' older' : ''}` : null,
      },
    });
  };
}

/** One list row, as the list renders it, for live pages to swap in. */
export function rowPage({ pool }: Ctx): Handler {
  return async (req, res) => {
    const found = await consultationRow(pool, routeId(req.params.id));
    if (!found) throw new NotFoundError('No such consultation.');
    const c = { ...found, badges: badgesFor(found, new Date()) };
    res.set('Cache-Control', 'no-store').render('consultations/_row', { c, fmt });
  };
}

export function exportCsv({ pool }: Ctx): Handler {
  return async (req, res) => {
    const actor = actorOf(req);
    const query = listQuery.parse(req.query);
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', 'attachment; filename="consultations.csv"');
    res.set('Cache-Control', 'no-store');
    res.write(csvLine(CSV_HEADER));
    let written = 0;
    let after = query.after;
    while (written < EXPORT_MAX_ROWS) {
      const { rows, nextCursor } = await listConsultations(pool, actor, { ...query, after }, 1000);
      res.write(rows.map(csvRow).join(''));
      written += rows.length;
      if (!nextCursor) break;
      const last = rows[rows.length - 1];
      after = { createdAt: new Date(last.cursor.split('_')[0]), id: last.id };
    }
    res.end();
  };
}

/** The booking form as shown: first (200), again with the input kept (422) or refused (403). */
export interface NewForm {
  status: number;
  values: Record<string, unknown>;
  errors: Record<string, string>;
}

export async function renderNew({ db }: Ctx, res: Response, form: NewForm): Promise<void> {
  const doctors = (await doctorOptions(db)).filter((d) => d.available);
  res.status(form.status).render('consultations/new', {
    title: 'New consultation',
    values: form.values,
    errors: form.errors,
    doctors,
    MODES,
    PAYMENT_MODELS,
  });
}

export function newPage(ctx: Ctx): Handler {
  return async (req, res) => {
    const values = {
      customerId: queryId(req.query.customerId),
      mode: 'video',
      paymentModel: 'pay_later',
      doctor: 'auto',
      idempotencyKey: randomUUID(),
      interactionId: queryId(req.query.interaction),
    };
    await renderNew(ctx, res, { status: 200, values, errors: {} });
  };
}

/** The consultation page as shown: first (200), or again after a refused action with its input. */
export interface ShowAgain {
  status?: number;
  refused?: string;
  cancelReason?: string;
  scheduledFor?: string;
}

export async function renderShow(
  { db }: Ctx,
  req: Request,
  res: Response,
  again: ShowAgain = {},
): Promise<void> {
  const id = routeId(req.params.id);
  const actor = actorOf(req);
  const c = await getConsultation(db, id);
  const actions = consultationActions(actor, c);
  const [related, medical, doctors] = await Promise.all([
    consultationRelated(db, id),
    presentConsultationMedical(db, actor, c, viewContext(req)),
    actions.assign ? doctorOptions(db) : Promise.resolve([]),
  ]);
  res.status(again.status ?? 200).render('consultations/show', {
    title: `Consultation ${c.reference}`,
    again,
    c,
    ...related,
    medical,
    badges: badgesFor(c),
    actions,
    doctors: doctors.filter((d) => d.available),
    fmt,
    interactionId: queryId(req.query.interaction) || queryId(req.body?.interactionId),
  });
}

export function showPage(ctx: Ctx): Handler {
  return (req, res) => renderShow(ctx, req, res);
}
