import { Router, type Request, type Response } from 'express';
import type pg from 'pg';
import type { AppContext } from '../../context.js';
import { MANAGERS, requireRole } from '../../http/guards.js';
import { csvTable, toCsv } from './csv.js';
import { pageView } from './presenter.js';
import { exportQuery, parseRange, TABLES, type DateRange } from './schema.js';
import { loadMetrics, type Metrics } from './service.js';
import { verificationFigures } from './verification.js';

// Figures are computed fresh for every request: they come from rollups kept current in the same
// transaction as each change (see queries.ts), so a computation is a few small sums whatever the
// size of the tables. Requests for one range share computations, but only ones that began after
// they arrived (so a supervisor always sees their own last change): a request that finds one
// running waits for it to end, then shares the next with everyone else who waited.
type Computed = { metrics: Metrics; at: Date };
interface Flight {
  done: Promise<Computed>;
  next?: Promise<Computed>;
}

function freshMetrics(pool: pg.Pool) {
  const flights = new Map<string, Flight>();
  const start = (key: string, range: DateRange, timeZone: string): Promise<Computed> => {
    const at = new Date();
    const flight: Flight = {
      done: loadMetrics(pool, range, timeZone).then((metrics) => ({ metrics, at })),
    };
    flights.set(key, flight);
    const clear = () => flights.get(key) === flight && flights.delete(key);
    flight.done.then(clear, clear);
    return flight.done;
  };
  return (range: DateRange, timeZone: string): Promise<Computed> => {
    const key = `${range.start}|${range.end}|${timeZone}`;
    const flight = flights.get(key);
    if (!flight) return start(key, range, timeZone);
    flight.next ??= flight.done.then(
      () => start(key, range, timeZone),
      () => start(key, range, timeZone),
    );
    return flight.next;
  };
}

export function metricsRouter({ pool }: AppContext): Router {
  const r = Router();
  const figures = freshMetrics(pool);

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
