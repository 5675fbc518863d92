import { actorOf } from '../../auth/actor.js';
import { hostname } from 'node:os';
import { Router, type Request, type Response } from 'express';
import { recordAudit } from '../../audit.js';
import type { AppContext } from '../../context.js';
import { ValidationError } from '../../errors.js';
import { requireRole } from '../../http/guards.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { routeId } from '../../http/params.js';
import { csvLine } from '../../lib/csv.js';
import { getCustomer } from '../customers/service.js';
import { noStore, revealReviewQueue, reviewReveal, viewContext } from '../../privacy/index.js';
import { flash } from '../../http/flash.js';
import {
  ACCESS_CSV_HEADER,
  ACCESS_REPORT_PAGE_LIMIT,
  accessCsvRow,
  presentAccess,
} from './access-report.js';
import { EXPORT_ACTIONS, toAuditEvent } from './fhir.js';
import { auditQuery, exportQuery, type ExportQuery } from './schema.js';
import { auditRowsForExport, auditUsers, listAudit } from './service.js';

/** This installation, as the audit source and observer of every exported event. */
const SITE = `CareDesk ${hostname()}`;

export function auditRouter({ pool, db }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const query = auditQuery.parse(req.query);
    const [{ rows, nextBefore }, users] = await Promise.all([
      listAudit(pool, query, PAGE_SIZE),
      auditUsers(pool),
    ]);
    const base = new URLSearchParams();
    for (const key of ['userId', 'customerId', 'action', 'from', 'to'] as const)
      if (query[key] !== undefined) base.set(key, String(query[key]));
    const link = (before?: string) => {
      const params = new URLSearchParams(base);
      if (before) params.set('before', before);
      const qs = params.toString();
      return qs ? `/audit?${qs}` : '/audit';
    };
    res.render('audit/list', {
      title: 'Audit trail',
      events: rows,
      users,
      filters: {
        userId: query.userId ?? '',
        customerId: query.customerId ?? '',
        action: query.action ?? '',
        from: query.from ?? '',
        to: query.to ?? '',
      },
      page: {
        prevHref: query.before ? link() : null,
        nextHref: nextBefore ? link(nextBefore) : null,
        summary: rows.length ? `Showing ${rows.length}` : 'Nothing on this page',
      },
    });
  };

  /** Parses the filters and audits the export itself before anything is sent. */
  const startExport = async (req: Request, format: string): Promise<ExportQuery> => {
    const parsed = exportQuery.safeParse(req.query);
    if (!parsed.success)
      throw new ValidationError(`Export filters: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const query = parsed.data;
    if (query.patient) await getCustomer(db, query.patient);
    const range = `${format} ${query.from ?? 'start'}..${query.to ?? 'now'}`;
    await recordAudit(db, {
      actor: actorOf(req),
      action: EXPORT_ACTIONS.export,
      customerId: query.patient ?? null,
      recordType: query.patient ? 'customer' : null,
      recordId: query.patient ?? null,
      reason: range,
      ip: viewContext(req).ip,
    });
    return query;
  };

  /** Streams batches; stops reading when the client goes away. */
  type Line = (resource: object, first: boolean) => string;
  const stream = async (req: Request, res: Response, query: ExportQuery, write: Line) => {
    let first = true;
    for await (const batch of auditRowsForExport(pool, query)) {
      if (req.socket.destroyed) return;
      res.write(
        batch
          .map((row) => {
            const line = write(toAuditEvent(row, SITE), first);
            first = false;
            return line;
          })
          .join(''),
      );
    }
  };

  const exportBundle = async (req: Request, res: Response) => {
    const query = await startExport(req, 'fhir-json');
    // attachment() would set a type from the file name: the FHIR media type is set after it.
    res
      .attachment('caredesk-audit.fhir.json')
      .set('Content-Type', 'application/fhir+json; charset=utf-8');
    res.write(
      `{"resourceType":"Bundle","type":"collection","timestamp":"${new Date().toISOString()}","entry":[`,
    );
    await stream(
      req,
      res,
      query,
      (resource, first) => (first ? '' : ',') + JSON.stringify({ resource }),
    );
    res.end(']}');
  };

  const exportNdjson = async (req: Request, res: Response) => {
    const query = await startExport(req, 'fhir-ndjson');
    res
      .attachment('caredesk-audit.ndjson')
      .set('Content-Type', 'application/fhir+ndjson; charset=utf-8');
    await stream(req, res, query, (resource) => JSON.stringify(resource) + '\n');
    res.end();
  };

  /** Everyone who touched one patient's record: the same rows as the FHIR export for that patient. */
  const accessReport = async (req: Request, res: Response, csv: boolean) => {
    const id = routeId(req.params.id);
    const customer = await getCustomer(db, id);
    await recordAudit(db, {
      actor: actorOf(req),
      action: EXPORT_ACTIONS.accessReport,
      customerId: id,
      recordType: 'customer',
      recordId: id,
      reason: csv ? 'access report csv' : 'access report',
      ip: viewContext(req).ip,
    });
    if (csv) {
      res.type('text/csv; charset=utf-8').attachment(`caredesk-access-${id}.csv`);
      res.write(csvLine([...ACCESS_CSV_HEADER]));
      for await (const batch of auditRowsForExport(pool, { patient: id })) {
        if (req.socket.destroyed) return;
        res.write(batch.map((row) => accessCsvRow(row)).join(''));
      }
      return res.end();
    }
    const rows = [];
    for await (const batch of auditRowsForExport(pool, { patient: id }))
      rows.push(...batch.map(presentAccess));
    const shown = rows.reverse().slice(0, ACCESS_REPORT_PAGE_LIMIT);
    const title = `Who accessed ${customer.fullName}`;
    res.render('audit/access', { title, customer, rows: shown, total: rows.length });
  };

  /** The break-the-glass review queue; `failed` re-shows one reveal's form with its error and text. */
  type Failed = { id: number; error: string; comment: string };
  const renderReveals = async (_req: Request, res: Response, status = 200, failed?: Failed) => {
    const queue = await revealReviewQueue(db);
    res
      .status(status)
      .render('audit/reveals', { title: 'Reveal review', ...queue, failed: failed ?? null });
  };
  const showReveals = (req: Request, res: Response) => renderReveals(req, res);

  const review = (outcome: 'justified' | 'flagged') => async (req: Request, res: Response) => {
    const id = routeId(req.params.id);
    const comment = typeof req.body?.comment === 'string' ? req.body.comment.slice(0, 1000) : '';
    try {
      await reviewReveal(db, actorOf(req), { revealId: id, outcome, comment }, viewContext(req));
    } catch (error) {
      if (error instanceof ValidationError)
        return renderReveals(req, res, 422, { id, error: error.message, comment });
      throw error;
    }
    flash(
      req,
      'success',
      outcome === 'justified' ? 'Reveal acknowledged as justified.' : 'Reveal flagged.',
    );
    res.redirect(303, '/audit/reveals');
  };
  const acknowledgeReveal = review('justified');
  const flagReveal = review('flagged');

  const showAccess = (req: Request, res: Response) => accessReport(req, res, false);
  const downloadAccess = (req: Request, res: Response) => accessReport(req, res, true);

  r.get('/', requireRole('admin'), noStore, list);
  r.get('/export.fhir.json', requireRole('admin'), noStore, exportBundle);
  r.get('/export.fhir.ndjson', requireRole('admin'), noStore, exportNdjson);
  r.get('/reveals', requireRole('admin'), noStore, showReveals);
  r.post('/reveals/:id/justified', requireRole('admin'), noStore, acknowledgeReveal);
  r.post('/reveals/:id/flag', requireRole('admin'), noStore, flagReveal);
  r.get('/patients/:id/access', requireRole('admin'), noStore, showAccess);
  r.get('/patients/:id/access.csv', requireRole('admin'), noStore, downloadAccess);
  return r;
}
