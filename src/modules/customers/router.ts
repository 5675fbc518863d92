import { actorOf, type Actor } from '../../auth/actor.js';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { flash } from '../../http/flash.js';
import { ALL_ROLES, requireRole, STAFF } from '../../http/guards.js';
import { ConflictError, ForbiddenError, ValidationError } from '../../errors.js';
import { fieldErrors } from '../../http/forms.js';
import { PAGE_SIZE, pageView } from '../../http/pagination.js';
import { routeId } from '../../http/params.js';
import {
  noStore,
  presentCustomerMedical,
  revealMedical,
  viewContext,
} from '../../privacy/index.js';
import { fmt, when } from '../../lib/format.js';
import { visibleEscalationIds } from '../escalations/service.js';
import { presentProfile } from './presenter.js';
import { avatarOf } from './avatar.js';
import {
  loadCustomerPhoto,
  preparePhoto,
  removeCustomerPhoto,
  saveCustomerPhoto,
} from './photo.js';
import { streamCsv } from '../../http/csv-export.js';
import { queryString } from '../interactions/presenter.js';
import { CUSTOMER_EXPORT_HEADER, customerExportCells, customerExportQuery } from './queries.js';
import { ACTIVITIES, contactForm, listQuery, revealForm } from './schema.js';
import { contactHistory, correctContact, getContact, type Contact } from './contact.js';
import { openCallVerification } from '../interactions/verification.js';
import {
  activityOf,
  customerStats,
  customerTimeline,
  getCustomer,
  listCustomers,
  type TimelineItem,
} from './service.js';

export function customersRouter({ db, pool, config }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const query = listQuery.parse(req.query);
    const now = new Date();
    const { rows, hasMore } = await listCustomers(pool, query, PAGE_SIZE, now);
    res.render('customers/list', {
      title: 'Customers',
      customers: rows.map((c) => ({ ...c, activity: activityOf(c, now) })),
      filters: { q: query.q ?? '', activity: query.activity ?? '', sort: query.sort ?? '' },
      ACTIVITIES,
      fmt,
      exportHref: `/customers/export.csv${queryString(req.query as Record<string, unknown>)}`,
      page: pageView('/customers', req.query as Record<string, unknown>, {
        number: query.page,
        hasMore,
        shown: rows.length,
      }),
    });
  };

  const exportCsv = async (req: Request, res: Response) => {
    const now = new Date();
    const { sql, params } = customerExportQuery(listQuery.parse(req.query), now);
    await streamCsv({ db, pool }, req, res, {
      list: 'customers',
      sql,
      params,
      header: CUSTOMER_EXPORT_HEADER,
      cells: customerExportCells(now),
    });
  };

  /** Keeps a timeline entry's link only when the viewer may open it (doctors have no ticket or interaction pages; escalations are scoped). */
  const followable = async (actor: Actor, items: TimelineItem[]): Promise<TimelineItem[]> => {
    const visible = await visibleEscalationIds(
      db,
      actor,
      items.filter((t) => t.kind === 'escalation').map((t) => t.id),
    );
    return items.map((t) => {
      const hidden =
        (actor.role === 'doctor' && ['ticket', 'interaction', 'identity check'].includes(t.kind)) ||
        (t.kind === 'escalation' && !visible.has(t.id));
      return hidden ? { ...t, href: null } : t;
    });
  };

  const renderProfile = async (
    req: Request,
    res: Response,
    id: number,
    status = 200,
    reveal: { error?: string; reason?: string } = {},
  ) => {
    const actor = actorOf(req);
    const customer = await getCustomer(db, id);
    const [stats, timeline, medical, contactChanges, callerCheck] = await Promise.all([
      customerStats(pool, id),
      customerTimeline(pool, id, 50).then((items) => followable(actor, items)),
      presentCustomerMedical(db, actor, id, viewContext(req)),
      contactHistory(db, id),
      STAFF.includes(actor.role) ? openCallVerification(db, id) : null,
    ]);
    const canCorrect = STAFF.includes(actor.role);
    res.status(status).render('customers/show', {
      title: customer.fullName,
      c: presentProfile(customer),
      stats,
      timeline,
      medical,
      reveal,
      fmt,
      contactChanges,
      canCorrect,
      callerCheck,
    });
  };

  const show = async (req: Request, res: Response) => {
    await renderProfile(req, res, routeId(req.params.id));
  };

  const reveal = async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    const parsed = revealForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      await getCustomer(db, id);
      const reason = typeof req.body?.reason === 'string' ? req.body.reason.slice(0, 500) : '';
      return renderProfile(req, res, id, 422, {
        error: parsed.error.issues[0]?.message ?? 'Give a reason',
        reason,
      });
    }
    const { expiresAt } = await revealMedical(
      db,
      actorOf(req),
      id,
      parsed.data.reason,
      config.MEDICAL_REVEAL_MINUTES,
      viewContext(req),
    );
    flash(req, 'info', `Medical details revealed until ${when(expiresAt)}. This is recorded.`);
    res.redirect(303, parsed.data.returnTo ?? `/customers/${id}`);
  };

  // --- photo ---------------------------------------------------------------------------------
  const servePhoto = async (req: Request, res: Response) => {
    const photo = await loadCustomerPhoto(db, routeId(req.params.id));
    // Private to the signed-in viewer's browser; revalidated (ETag) so a change shows at once.
    res.set({ 'Cache-Control': 'private, no-cache', 'Content-Type': photo.contentType });
    res.send(photo.image);
  };

  const renderPhotoForm = async (res: Response, id: number, status = 200, error?: string) => {
    const customer = await getCustomer(db, id);
    res.status(status).render('customers/photo', {
      title: `Photo · ${customer.fullName}`,
      c: customer,
      avatar: avatarOf(customer),
      error: error ?? null,
    });
  };

  const photoForm = (req: Request, res: Response) => renderPhotoForm(res, routeId(req.params.id));

  const uploadPhoto = async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    try {
      if (req.photoUploadError) throw new ValidationError(req.photoUploadError);
      await saveCustomerPhoto(db, req.user!, id, await preparePhoto(req.file?.buffer));
    } catch (error) {
      if (error instanceof ValidationError) return renderPhotoForm(res, id, 422, error.message);
      throw error;
    }
    flash(req, 'success', 'Photo saved.');
    res.redirect(303, `/customers/${id}`);
  };

  const removePhoto = async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    await getCustomer(db, id);
    await removeCustomerPhoto(db, req.user!, id);
    flash(req, 'success', 'Photo removed.');
    res.redirect(303, `/customers/${id}`);
  };

  // --- contact corrections ---------------------------------------------------------------------
  const renderContact = (
    res: Response,
    status: number,
    c: Contact,
    values: Record<string, string>,
    extra: {
      errors?: Record<string, string>;
      saved?: Contact;
      message?: string;
      refused?: string;
    } = {},
  ) =>
    res.status(status).render('customers/contact', {
      title: `Correct contact details · ${c.fullName}`,
      c,
      values,
      errors: extra.errors ?? {},
      saved: extra.saved ?? null,
      message: extra.message ?? null,
      refused: extra.refused ?? null,
    });

  const valuesOf = (c: Contact) => ({
    phone: c.phone,
    email: c.email,
    address: c.address ?? '',
    version: String(c.version),
  });

  const editContact = async (req: Request, res: Response) => {
    const c = await getContact(db, routeId(req.params.id));
    const interaction = req.query.interaction;
    const interactionId =
      typeof interaction === 'string' && /^\d{1,10}$/.test(interaction) ? interaction : '';
    renderContact(res, 200, c, { ...valuesOf(c), interactionId });
  };

  const saveContact = async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    const c = await getContact(db, id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const typed = Object.fromEntries(
      ['phone', 'email', 'address', 'version', 'interactionId'].map((k) => [
        k,
        typeof body[k] === 'string' ? String(body[k]) : '',
      ]),
    );
    const parsed = contactForm.safeParse(body);
    if (!parsed.success)
      return renderContact(res, 422, c, typed, { errors: fieldErrors(parsed.error) });
    try {
      const changed = await correctContact(db, req.user!, id, parsed.data, req.ip);
      flash(
        req,
        changed.length ? 'success' : 'info',
        changed.length ? `Corrected: ${changed.join(', ')}.` : 'Nothing changed.',
      );
      res.redirect(303, `/customers/${id}`);
    } catch (error) {
      if (error instanceof ValidationError)
        return renderContact(res, 422, c, typed, { errors: error.fieldErrors });
      if (error instanceof ForbiddenError)
        return renderContact(res, 403, c, typed, { refused: error.message });
      if (error instanceof ConflictError) {
        const saved = error.current as Contact;
        return renderContact(
          res,
          409,
          saved,
          { ...typed, version: String(saved.version) },
          { saved, message: error.message },
        );
      }
      throw error;
    }
  };

  r.get('/', requireRole(...ALL_ROLES), list);
  r.get('/export.csv', requireRole(...ALL_ROLES), exportCsv);
  r.get('/:id', requireRole(...ALL_ROLES), noStore, show);
  r.post('/:id/reveal', requireRole('doctor'), noStore, reveal);
  r.get('/:id/photo', requireRole(...ALL_ROLES), servePhoto);
  r.get('/:id/photo/edit', requireRole(...STAFF), photoForm);
  r.post('/:id/photo', requireRole(...STAFF), uploadPhoto);
  r.post('/:id/photo/remove', requireRole(...STAFF), removePhoto);
  r.get('/:id/contact', requireRole(...STAFF), noStore, editContact);
  r.post('/:id/contact', requireRole(...STAFF), noStore, saveContact);
  return r;
}
