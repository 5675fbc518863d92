import type { Request, Response } from 'express';
import { actorOf, isStaff } from '../../auth/actor.js';
import type { AppContext } from '../../context.js';
import { streamCsv } from '../../http/csv-export.js';
import { PAGE_SIZE, pageView } from '../../http/pagination.js';
import { optionalId, routeId } from '../../http/params.js';
import { fmt } from '../../lib/format.js';
import { presentCustomerMedical, viewContext } from '../../privacy/index.js';
import { queryString } from '../../http/query-string.js';
import { avatarOf } from './avatar.js';
import { getContact, type Contact } from './contact.js';
import { loadCustomerPhoto } from './photo.js';
import { mayCorrectContact } from './policy.js';
import { presentProfile } from './presenter.js';
import { timelineFor } from './profile.js';
import {
  CUSTOMER_EXPORT_HEADER,
  customerExportCells,
  customerExportQuery,
  listCustomers,
} from './queries.js';
import { ACTIVITIES, listQuery } from './schema.js';
import { activityOf, getCustomer } from './service.js';
import { readCustomerPage } from './show-queries.js';

// The customer pages (GET handlers), and the forms the POST handlers show again.

type Ctx = Pick<AppContext, 'db' | 'pool'>;
type Handler = (req: Request, res: Response) => Promise<void>;

export function listPage({ pool }: Ctx): Handler {
  return async (req, res) => {
    const query = listQuery.parse(req.query);
    const raw = req.query as Record<string, unknown>;
    const now = new Date();
    const { rows, hasMore } = await listCustomers(pool, query, PAGE_SIZE, now);
    res.render('customers/list', {
      title: 'Customers',
      // Added to each row, not spread into a copy (see consultations/pages.ts).
      customers: rows.map((c) => Object.assign(c, { activity: activityOf(c, now) })),
      filters: { q: query.q ?? '', activity: query.activity ?? '', sort: query.sort ?? '' },
      ACTIVITIES,
      fmt,
      exportHref: `/customers/export.csv${queryString(raw)}`,
      page: pageView('/customers', raw, { number: query.page, hasMore, shown: rows.length }),
    });
  };
}

export function exportCsv(ctx: Ctx): Handler {
  return async (req, res) => {
    const now = new Date();
    const { sql, params } = customerExportQuery(listQuery.parse(req.query), now);
    await streamCsv(ctx, req, res, {
      list: 'customers',
      sql,
      params,
      header: CUSTOMER_EXPORT_HEADER,
      cells: customerExportCells(now),
    });
  };
}

/** The profile as shown: first (200), or again after a refused reveal with the reason typed. */
export interface ProfileAgain {
  status?: number;
  reveal?: { error?: string; reason?: string };
}

export async function renderProfile(
  ctx: Ctx,
  req: Request,
  res: Response,
  again: ProfileAgain = {},
): Promise<void> {
  const { db, pool } = ctx;
  const id = routeId(req.params.id);
  const actor = actorOf(req);
  const page = await readCustomerPage(pool, id);
  const { customer, stats, contactChanges, callVerification, medicalRecorded } = page;
  const [timeline, medical] = await Promise.all([
    timelineFor(db, actor, page.timeline),
    presentCustomerMedical(db, actor, id, { ...viewContext(req), recorded: medicalRecorded }),
  ]);
  res.status(again.status ?? 200).render('customers/show', {
    title: customer.fullName,
    c: presentProfile(customer),
    stats,
    timeline,
    medical,
    reveal: again.reveal ?? {},
    fmt,
    contactChanges,
    canCorrect: mayCorrectContact(actor),
    callerCheck: isStaff(actor) ? callVerification : null,
  });
}

export function showPage(ctx: Ctx): Handler {
  return (req, res) => renderProfile(ctx, req, res);
}

export function photoFile({ db }: Ctx): Handler {
  return async (req, res) => {
    const photo = await loadCustomerPhoto(db, routeId(req.params.id));
    // Private to the signed-in viewer's browser; revalidated (ETag) so a change shows at once.
    res.set({
      'Cache-Control': 'private, no-cache',
      'Content-Type': photo.contentType,
      ETag: photo.etag,
    });
    res.send(photo.image);
  };
}

export async function renderPhotoForm(
  { db }: Ctx,
  req: Request,
  res: Response,
  error?: string,
): Promise<void> {
  const customer = await getCustomer(db, routeId(req.params.id));
  res.render('customers/photo', {
    title: `Photo · ${customer.fullName}`,
    c: customer,
    avatar: avatarOf(customer),
    error: error ?? null,
  });
}

export function photoPage(ctx: Ctx): Handler {
  return (req, res) => renderPhotoForm(ctx, req, res);
}

/** The contact form as shown: the values in its fields, and why it came back, if it did. */
export interface ContactForm {
  values: Record<string, string>;
  errors?: Record<string, string>;
  /** What is saved now, beside the input, after someone else corrected the details. */
  saved?: Contact;
  message?: string;
  refused?: string;
}

export function renderContact(res: Response, c: Contact, form: ContactForm): void {
  res.render('customers/contact', {
    title: `Correct contact details · ${c.fullName}`,
    c,
    values: form.values,
    errors: form.errors ?? {},
    saved: form.saved ?? null,
    message: form.message ?? null,
    refused: form.refused ?? null,
  });
}

export function contactPage({ db }: Ctx): Handler {
  return async (req, res) => {
    const c = await getContact(db, routeId(req.params.id));
    const interactionId = String(optionalId.parse(req.query.interaction) ?? '');
    const values = {
      phone: c.phone,
      email: c.email,
      address: c.address ?? '',
      version: String(c.version),
      interactionId,
    };
    renderContact(res, c, { values });
  };
}
