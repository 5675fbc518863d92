import { Router, type Request, type Response } from 'express';
import type pg from 'pg';
import type { AppContext } from '../../context.js';
import { MANAGERS, requireRole } from '../../http/guards.js';
import { csvTable, pageView, toCsv } from './presenter.js';
import { exportQuery, parseRange, TABLES, type DateRange } from './schema.js';
import { loadMetrics, type Metrics } from './service.js';
import { verificationFigures } from './verification.js';

// Figures for one range are shared by concurrent requests and reused for a short while: a
// dashboard does not need second-by-second precision, and at 1M rows each computation scans
// a month of several tables. Derived data only (no session state), so instances stay stateless.
const CACHE_MS = 30_000;
const CACHE_MAX = 64;

interface Cached {
  at: Date;
  value: Promise<Metrics>;
}

function metricsCache(pool: pg.Pool, ttl: number) {
  const entries = new Map<string, Cached>();
  return (range: DateRange, timeZone: string): Promise<{ metrics: Metrics; at: Date }> => {
    const key = `${range.start}|${range.end}|${timeZone}`;
    const now = Date.now();
    const hit = entries.get(key);
    if (hit && now - hit.at.getTime() < ttl)
      return hit.value.then((metrics) => ({ metrics, at: hit.at }));
    const entry: Cached = { at: new Date(now), value: loadMetrics(pool, range, timeZone) };
    if (ttl > 0) {
      if (entries.size >= CACHE_MAX) entries.delete(entries.keys().next().value!);
      entries.set(key, entry);
      entry.value.catch(() => entries.delete(key));
    }
    return entry.value.then((metrics) => ({ metrics, at: entry.at }));
  };
}

export function metricsRouter({ pool, config }: AppContext): Router {
  const r = Router();
  const figures = metricsCache(pool, config.NODE_ENV === 'test' ? 0 : CACHE_MS);

  const show = async (req: Request, res: Response) => {
    const range = parseRange(req.query, new Date(), res.locals.timeZone);
    const [{ metrics, at }, verification] = await Promise.all([
      figures(range, res.locals.timeZone),
      verificationFigures(pool, range, res.locals.timeZone),
    ]);
    res.render('metrics/index', {
      title: 'Metrics',
      ...pageView(metrics, range, at),
      verification,
      tables: TABLES,
      cacheSeconds: CACHE_MS / 1000,
    });
  };

  const exportCsv = async (req: Request, res: Response) => {
    const parsed = exportQuery.safeParse(req.query);
    if (!parsed.success) {
      res
        .status(400)
        .type('text/plain')
        .send(`Unknown table: choose one of ${TABLES.join(', ')}.\n`);
      return;
    }
    const range = parseRange(req.query, new Date(), res.locals.timeZone);
    const { metrics } = await figures(range, res.locals.timeZone);
    const { header, rows } = csvTable(parsed.data.table, metrics, range);
    res
      .type('text/csv; charset=utf-8')
      .attachment(`caredesk-metrics-${parsed.data.table}-${range.from}-to-${range.to}.csv`)
      .set('Cache-Control', 'no-store')
      .send(toCsv(header, rows));
  };

  r.get('/', requireRole(...MANAGERS), show);
  r.get('/export.csv', requireRole(...MANAGERS), exportCsv);
  return r;
}
