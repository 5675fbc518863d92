import { actorOf } from '../../auth/actor.js';
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { flash } from '../../http/flash.js';
import { ALL_ROLES, STAFF, requireRole } from '../../http/guards.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { routeId } from '../../http/params.js';
import {
  CONSULTATION_MEDICAL_FIELDS,
  noStore,
  presentConsultationMedical,
  saveConsultationMedical,
  viewContext,
  type MedicalConflict,
} from '../../privacy/index.js';
import { consultationActions } from './policy.js';
import { csvLine } from '../../lib/csv.js';
import { fmt } from '../../lib/format.js';
import {
  MODES,
  PAYMENT_MODELS,
  PAYMENT_STATUSES,
  STATUSES,
  assignForm,
  createForm,
  listQuery,
  medicalForm,
  transitionForm,
  versionForm,
} from './schema.js';
import { fieldErrors } from '../../http/forms.js';
import {
  CSV_HEADER,
  assignDoctor,
  badgesFor,
  consultationRelated,
  consultationRow,
  createConsultation,
  csvRow,
  doctorOptions,
  getConsultation,
  listConsultations,
  markPaid,
  mineOnly,
  requestPayment,
  startConsultation,
  transitionConsultation,
} from './service.js';

const EXPORT_MAX_ROWS = 100_000;

/** An id given in the query string (like ?interaction=12), or '' when absent or malformed. */
function queryId(value: unknown): string {
  return typeof value === 'string' && /^\d{1,10}$/.test(value) ? value : '';
}

function queryStrings(query: Request['query']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query))
    if (typeof value === 'string') out[key] = value.slice(0, 100);
  return out;
}

export function consultationsRouter({ db, pool }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const actor = actorOf(req);
    const query = listQuery.parse(req.query);
    const [{ rows, nextCursor }, doctors] = await Promise.all([
      listConsultations(pool, actor, query, PAGE_SIZE),
      doctorOptions(db),
    ]);
    const raw = queryStrings(req.query);
    const base = new URLSearchParams(
      Object.entries(raw).filter(([k, v]) => k !== 'after' && v !== ''),
    );
    const link = (after?: string) => {
      const params = new URLSearchParams(base);
      if (after) params.set('after', after);
      const qs = params.toString();
      return qs ? `/consultations?${qs}` : '/consultations';
    };
    const now = new Date();
    res.render('consultations/list', {
      title: 'Consultations',
      consultations: rows.map((row) => ({ ...row, badges: badgesFor(row, now) })),
      filters: { ...raw, mine: mineOnly(query, actor) },
      exportHref: `/consultations/export.csv${base.toString() ? `?${base}` : ''}`,
      doctors,
      STATUSES,
      PAYMENT_STATUSES,
      PAYMENT_MODELS,
      MODES,
      fmt,
      page: {
        prevHref: query.after ? link() : null,
        nextHref: nextCursor ? link(nextCursor) : null,
        summary: rows.length
          ? `Showing ${rows.length}${query.after ? ' older' : ''}`
          : 'Nothing on this page',
      },
    });
  };

  /** One list row, as the list renders it, for live pages to swap in. */
  const row = async (req: Request, res: Response) => {
    const found = await consultationRow(pool, routeId(req.params.id));
    if (!found) throw new NotFoundError('No such consultation.');
    const c = { ...found, badges: badgesFor(found, new Date()) };
    res.set('Cache-Control', 'no-store').render('consultations/_row', { c, fmt });
  };

  const exportCsv = async (req: Request, res: Response) => {
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

  const renderNew = async (
    res: Response,
    status: number,
    values: Record<string, unknown>,
    errors: Record<string, string>,
  ) => {
    const doctors = (await doctorOptions(db)).filter((d) => d.available);
    res.status(status).render('consultations/new', {
      title: 'New consultation',
      values,
      errors,
      doctors,
      MODES,
      PAYMENT_MODELS,
    });
  };

  const newForm = async (req: Request, res: Response) => {
    const customerId = queryId(req.query.customerId);
    await renderNew(
      res,
      200,
      {
        customerId,
        mode: 'video',
        paymentModel: 'pay_later',
        doctor: 'auto',
        idempotencyKey: randomUUID(),
        interactionId: queryId(req.query.interaction),
      },
      {},
    );
  };

  const create = async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = {
      ...body,
      idempotencyKey:
        typeof body.idempotencyKey === 'string' && body.idempotencyKey
          ? body.idempotencyKey
          : randomUUID(),
    };
    const parsed = createForm.safeParse(body);
    if (!parsed.success) return renderNew(res, 422, values, fieldErrors(parsed.error));
    try {
      const { id, existing } = await createConsultation(db, actorOf(req), parsed.data);
      flash(
        req,
        existing ? 'info' : 'success',
        existing ? 'This consultation was already booked.' : 'Consultation booked.',
      );
      res.redirect(303, `/consultations/${id}`);
    } catch (error) {
      if (error instanceof ValidationError) return renderNew(res, 422, values, error.fieldErrors);
      if (error instanceof ForbiddenError)
        return renderNew(res, 403, values, { interactionId: error.message });
      throw error;
    }
  };

  /** A status form refused for the caller comes back with what was typed in it. */
  interface Again {
    refused?: string;
    cancelReason?: string;
    scheduledFor?: string;
  }

  const renderShow = async (req: Request, res: Response, status = 200, again: Again = {}) => {
    const id = routeId(req.params.id);
    const actor = actorOf(req);
    const c = await getConsultation(db, id);
    const [related, medical, doctors] = await Promise.all([
      consultationRelated(db, id),
      presentConsultationMedical(db, actor, c, viewContext(req)),
      actor.role === 'doctor' ? Promise.resolve([]) : doctorOptions(db),
    ]);
    res.status(status).render('consultations/show', {
      title: `Consultation ${c.reference}`,
      again,
      c,
      ...related,
      medical,
      badges: badgesFor(c),
      actions: consultationActions(actor, c),
      doctors: doctors.filter((d) => d.available),
      fmt,
      interactionId: queryId(req.query.interaction) || queryId(req.body?.interactionId),
    });
  };

  const show = (req: Request, res: Response) => renderShow(req, res);

  const back = (req: Request, res: Response, message: string) => {
    flash(req, 'success', message);
    res.redirect(303, `/consultations/${req.params.id as string}`);
  };

  const move = async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    const parsed = transitionForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError('That change is not possible.');
    const { interactionId } = parsed.data;
    try {
      await transitionConsultation(db, actorOf(req), id, parsed.data.to, parsed.data.version, {
        cancelReason: parsed.data.cancelReason,
        scheduledFor: parsed.data.scheduledFor,
        interactionId,
      });
    } catch (error) {
      if (!(error instanceof ForbiddenError) || interactionId === undefined) throw error;
      const typed = (k: string) => (typeof req.body?.[k] === 'string' ? req.body[k] : '');
      return renderShow(req, res, 403, {
        refused: error.message,
        cancelReason: typed('cancelReason').slice(0, 500),
        scheduledFor: typed('scheduledFor').slice(0, 40),
      });
    }
    const from = interactionId ? `?interaction=${interactionId}` : '';
    flash(req, 'success', `Consultation ${parsed.data.to}.`);
    res.redirect(303, `/consultations/${id}${from}`);
  };

  const start = async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    const { version } = parseVersion(req);
    await startConsultation(db, actorOf(req), id, version);
    back(req, res, 'Consultation started.');
  };

  const assign = async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    const parsed = assignForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError('Choose a doctor or automatic assignment.');
    await assignDoctor(db, actorOf(req), id, parsed.data.doctor, parsed.data.version);
    back(req, res, 'Doctor assigned.');
  };

  const payRequest = async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    await requestPayment(db, actorOf(req), id, parseVersion(req).version);
    back(req, res, 'Payment requested.');
  };

  const payDone = async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    await markPaid(db, actorOf(req), id, parseVersion(req).version);
    back(req, res, 'Payment recorded as paid.');
  };

  const saveMedical = async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    const actor = actorOf(req);
    const c = await getConsultation(db, id);
    const parsed = medicalForm.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new ValidationError(
        'Check the medical notes: ' + Object.values(fieldErrors(parsed.error)).join('; '),
      );
    const { version, ...input } = parsed.data;
    try {
      await saveConsultationMedical(
        db,
        actor,
        { consultation: c, input, version },
        viewContext(req),
      );
    } catch (error) {
      if (error instanceof ConflictError) {
        const conflict = error.current as MedicalConflict;
        res.status(409).render('consultations/medical-conflict', {
          title: 'Medical notes changed',
          c,
          fields: CONSULTATION_MEDICAL_FIELDS,
          submitted: input,
          current: conflict.current,
          version: conflict.version,
        });
        return;
      }
      throw error;
    }
    back(req, res, 'Medical notes saved.');
  };

  function parseVersion(req: Request) {
    const parsed = versionForm.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new ValidationError('The form was incomplete. Reload the page and try again.');
    return parsed.data;
  }

  r.get('/', requireRole(...ALL_ROLES), list);
  r.get('/export.csv', requireRole(...STAFF), exportCsv);
  r.get('/new', requireRole(...STAFF), newForm);
  r.post('/', requireRole(...STAFF), create);
  r.get('/:id', requireRole(...ALL_ROLES), noStore, show);
  r.get('/:id/row', requireRole(...ALL_ROLES), row);
  r.post('/:id/status', requireRole(...ALL_ROLES), move);
  r.post('/:id/start', requireRole(...ALL_ROLES), start);
  r.post('/:id/assign', requireRole(...STAFF), assign);
  r.post('/:id/request-payment', requireRole(...STAFF), payRequest);
  r.post('/:id/mark-paid', requireRole(...STAFF), payDone);
  r.post('/:id/medical', requireRole('doctor'), noStore, saveMedical);
  return r;
}
