import { hostname } from 'node:os';
import type { Request, RequestHandler, Response } from 'express';
import { recordAudit } from '../../audit.js';
import { actorOf } from '../../auth/actor.js';
import type { AppContext } from '../../context.js';
import { ValidationError } from '../../errors.js';
import { routeId } from '../../http/params.js';
import { csvLine } from '../../lib/csv.js';
import { viewContext } from '../../privacy/index.js';
import { getCustomer } from '../customers/service.js';
import {
  ACCESS_CSV_HEADER,
  ACCESS_REPORT_PAGE_LIMIT,
  accessCsvRow,
  presentAccess,
} from './access-report.js';
import { EXPORT_ACTIONS, toAuditEvent } from './fhir.js';
import { exportQuery, type ExportQuery } from './schema.js';
import { auditRowsForExport } from './queries.js';

/** This installation, as the audit source and observer of every exported event. */
const SITE = `CareDesk ${hostname()}`;

/** Parses the filters and audits the export itself before anything is sent. */
async function startExport({ db }: AppContext, req: Request, format: string): Promise<ExportQuery> {
  const parsed = exportQuery.safeParse(req.query);
  if (!parsed.success)
    throw new ValidationError(`Export filters: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const query = parsed.data;
  if (query.patient) await getCustomer(db, query.patient);
  await recordAudit(db, {
    actor: actorOf(req),
    action: EXPORT_ACTIONS.export,
    customerId: query.patient ?? null,
    recordType: query.patient ? 'customer' : null,
    recordId: query.patient ?? null,
    reason: `${format} ${query.from ?? 'start'}..${query.to ?? 'now'}`,
    ip: viewContext(req).ip,
  });
  return query;
}

/** One exported resource as its line of the file; `first` for the separator a list needs. */
type Line = (resource: object, first: boolean) => string;

interface Stream {
  query: ExportQuery;
  line: Line;
}

/** Streams batches; stops reading when the client goes away. */
async function stream({ pool }: AppContext, req: Request, res: Response, { query, line }: Stream) {
  let first = true;
  for await (const batch of auditRowsForExport(pool, query)) {
    if (req.socket.destroyed) return;
    const lines = batch.map((row) => {
      const text = line(toAuditEvent(row, SITE), first);
      first = false;
      return text;
    });
    res.write(lines.join(''));
  }
}

export const exportBundle =
  (ctx: AppContext): RequestHandler =>
  async (req, res) => {
    const query = await startExport(ctx, req, 'fhir-json');
    // attachment() would set a type from the file name: the FHIR media type is set after it.
    res
      .attachment('caredesk-audit.fhir.json')
      .set('Content-Type', 'application/fhir+json; charset=utf-8');
    res.write(
      `{"resourceType":"Bundle","type":"collection","timestamp":"${new Date().toISOString()}","entry":[`,
    );
    const line: Line = (resource, first) => (first ? '' : ',') + JSON.stringify({ resource });
    await stream(ctx, req, res, { query, line });
    res.end(']}');
  };

export const exportNdjson =
  (ctx: AppContext): RequestHandler =>
  async (req, res) => {
    const query = await startExport(ctx, req, 'fhir-ndjson');
    res
      .attachment('caredesk-audit.ndjson')
      .set('Content-Type', 'application/fhir+ndjson; charset=utf-8');
    await stream(ctx, req, res, { query, line: (resource) => JSON.stringify(resource) + '\n' });
    res.end();
  };

/** Audits the access report before it is shown or sent, and returns the patient it is about. */
async function startAccessReport({ db }: AppContext, req: Request, csv: boolean) {
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
  return customer;
}

/** Everyone who touched one patient's record: the same rows as the FHIR export for that patient. */
export const showAccess =
  (ctx: AppContext): RequestHandler =>
  async (req, res) => {
    const customer = await startAccessReport(ctx, req, false);
    const rows = [];
    for await (const batch of auditRowsForExport(ctx.pool, { patient: customer.id }))
      rows.push(...batch.map(presentAccess));
    const shown = rows.reverse().slice(0, ACCESS_REPORT_PAGE_LIMIT);
    const title = `Who accessed ${customer.fullName}`;
    res.render('audit/access', { title, customer, rows: shown, total: rows.length });
  };

/** The access report as CSV, streamed; stops reading when the client goes away. */
export const downloadAccess =
  (ctx: AppContext): RequestHandler =>
  async (req, res) => {
    const { id } = await startAccessReport(ctx, req, true);
    res.type('text/csv; charset=utf-8').attachment(`caredesk-access-${id}.csv`);
    res.write(csvLine([...ACCESS_CSV_HEADER]));
    for await (const batch of auditRowsForExport(ctx.pool, { patient: id })) {
      if (req.socket.destroyed) return;
      res.write(batch.map((row) => accessCsvRow(row)).join(''));
    }
    res.end();
  };
