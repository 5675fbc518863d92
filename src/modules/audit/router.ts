import { Router, type RequestHandler, type Response } from 'express';
import { actorOf } from '../../auth/actor.js';
import type { AppContext } from '../../context.js';
import { requireRole } from '../../http/guards.js';
import { formAction } from '../../http/outcome.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { withQuery } from '../../http/query-string.js';
import { routeId } from '../../http/params.js';
import { noStore, revealReviewQueue, reviewReveal, viewContext } from '../../privacy/index.js';
import { downloadAccess, exportBundle, exportNdjson, showAccess } from './downloads.js';
import { auditQuery, reviewForm, type AuditQuery } from './schema.js';
import { auditUsers, listAudit } from './queries.js';

const FILTERS = ['userId', 'customerId', 'action', 'from', 'to'] as const;

/** The trail's page links: the filters kept, the keyset cursor changed. */
function pageLinks(query: AuditQuery, nextBefore: string | null | undefined) {
  const base = new URLSearchParams();
  for (const key of FILTERS) if (query[key] !== undefined) base.set(key, String(query[key]));
  const link = (before?: string) => {
    const params = new URLSearchParams(base);
    if (before) params.set('before', before);
    return withQuery('/audit', params);
  };
  return {
    prevHref: query.before ? link() : null,
    nextHref: nextBefore ? link(nextBefore) : null,
  };
}

const list =
  ({ pool }: AppContext): RequestHandler =>
  async (req, res) => {
    const query = auditQuery.parse(req.query);
    const [{ rows, nextBefore }, users] = await Promise.all([
      listAudit(pool, query, PAGE_SIZE),
      auditUsers(pool),
    ]);
    const filters = Object.fromEntries(FILTERS.map((key) => [key, query[key] ?? '']));
    res.render('audit/list', {
      title: 'Audit trail',
      events: rows,
      users,
      filters,
      page: {
        ...pageLinks(query, nextBefore),
        summary: rows.length ? `Showing ${rows.length}` : null,
      },
    });
  };

/** A reveal's review form shown again, with why it was refused and the comment typed. */
interface Failed {
  id: number;
  error: string;
  comment: string;
}

async function renderReveals({ db }: AppContext, res: Response, failed: Failed | null = null) {
  const queue = await revealReviewQueue(db);
  res.render('audit/reveals', { title: 'Reveal review', ...queue, failed });
}

const showReveals =
  (ctx: AppContext): RequestHandler =>
  (_req, res) =>
    renderReveals(ctx, res);

/** The break-the-glass review: acknowledge a reveal as justified, or flag it with a comment. */
function review(ctx: AppContext, outcome: 'justified' | 'flagged') {
  return formAction({
    schema: reviewForm,
    run: async ({ comment }, req) => {
      const id = routeId(req.params.id);
      await reviewReveal(
        ctx.db,
        actorOf(req),
        { revealId: id, outcome, comment },
        viewContext(req),
      );
      const message =
        outcome === 'justified' ? 'Reveal acknowledged as justified.' : 'Reveal flagged.';
      return { message, to: '/audit/reveals' };
    },
    invalid: (req, res, errors) => {
      const { comment } = reviewForm.parse(req.body ?? {});
      const error = Object.values(errors)[0] ?? '';
      return renderReveals(ctx, res, { id: routeId(req.params.id), error, comment });
    },
  });
}

const acknowledgeReveal = (ctx: AppContext) => review(ctx, 'justified');
const flagReveal = (ctx: AppContext) => review(ctx, 'flagged');

export function auditRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/', requireRole('admin'), noStore, list(ctx));
  r.get('/export.fhir.json', requireRole('admin'), noStore, exportBundle(ctx));
  r.get('/export.fhir.ndjson', requireRole('admin'), noStore, exportNdjson(ctx));
  r.get('/reveals', requireRole('admin'), noStore, showReveals(ctx));
  r.post('/reveals/:id/justified', requireRole('admin'), noStore, acknowledgeReveal(ctx));
  r.post('/reveals/:id/flag', requireRole('admin'), noStore, flagReveal(ctx));
  r.get('/patients/:id/access', requireRole('admin'), noStore, showAccess(ctx));
  r.get('/patients/:id/access.csv', requireRole('admin'), noStore, downloadAccess(ctx));
  return r;
}
