import type { Request, Response } from 'express';
import type pg from 'pg';
import type { Db } from '../db/client.js';
import { recordAudit } from '../audit.js';
import { csvLine } from '../lib/csv.js';

/** Rows per FETCH: large enough to keep round trips cheap, small enough to keep memory flat. */
export const EXPORT_BATCH = 2_000;

export interface CsvExport<Row> {
  /** The list's name: file name and the audit row's record type. */
  list: 'tickets' | 'interactions' | 'escalations' | 'customers';
  /** One SELECT with its ORDER BY: the list's own filters, scope and sort. */
  sql: string;
  params: unknown[];
  header: readonly string[];
  cells: (row: Row) => unknown[];
}

/** The filters as the list's query string shows them (the audit trail says which export it was). */
export function filterText(query: Request['query'], skip: readonly string[] = ['page']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (typeof value === 'string' && value !== '' && !skip.includes(key))
      params.set(key, value.slice(0, 120));
  params.sort();
  return params.toString() || 'none';
}

/** Resolves when the socket wants more, or is gone; leaves no listener behind either way. */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Streams a list as CSV from a server-side cursor inside one read-only snapshot: FETCH a batch,
 * write it, and wait for the socket to drain before going on, so a million rows cost two batches
 * of memory (one being sent, the next on its way). A client that goes away stops the fetching. The audit row is written when the stream
 * ends, with the number of rows sent.
 */
export async function streamCsv<Row>(
  ctx: { db: Db; pool: pg.Pool },
  req: Request,
  res: Response,
  spec: CsvExport<Row>,
): Promise<void> {
  const client = await ctx.pool.connect();
  let rows = 0;
  let gone = false;
  const onClose = () => {
    gone = true;
  };
  res.once('close', onClose);
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`DECLARE list_export NO SCROLL CURSOR FOR ${spec.sql}`, spec.params);
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${spec.list}.csv"`);
    res.set('Cache-Control', 'no-store');
    res.write(csvLine([...spec.header]));
    const fetchBatch = () => {
      const batch = client.query<Row & object>(`FETCH ${EXPORT_BATCH} FROM list_export`);
      // Awaited below; marked handled so a failure while the socket drains cannot crash the process.
      batch.catch(() => undefined);
      return batch;
    };
    // The next batch is on its way from PostgreSQL while this one is formatted and sent.
    let pending: ReturnType<typeof fetchBatch> | null = fetchBatch();
    while (pending && !gone) {
      const batch: pg.QueryResult<Row & object> = await pending;
      pending = batch.rows.length === EXPORT_BATCH ? fetchBatch() : null;
      let chunk = '';
      for (const row of batch.rows) chunk += csvLine(spec.cells(row));
      rows += batch.rows.length;
      if (chunk && !res.write(chunk) && !gone) await drainedOrClosed(res);
    }
    // A client that left mid-way leaves one batch in flight: let it land before COMMIT.
    if (pending) await pending;
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    // Half a file must not look like a whole one: cut the connection instead of ending it.
    if (res.headersSent) return void res.destroy(error as Error);
    throw error;
  } finally {
    client.release();
    res.off('close', onClose);
  }
  // Audited before the last byte goes out, so whoever holds the whole file is on the trail.
  await recordAudit(ctx.db, {
    actor: { id: req.user!.id, role: req.user!.role },
    action: 'list_exported',
    recordType: spec.list,
    reason: `rows: ${rows}${gone ? ' (stopped by the client)' : ''}; filters: ${filterText(req.query)}`,
    ip: req.ip ?? null,
  });
  if (!gone) res.end();
}
