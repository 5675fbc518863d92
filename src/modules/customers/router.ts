import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { flash } from '../../http/flash.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { PAGE_SIZE, pageView } from '../../http/pagination.js';
import { routeId } from '../../http/params.js';
import { actorOf, noStore, presentCustomerMedical, revealMedical, viewContext } from '../../privacy/index.js';
import { fmt, when } from '../../lib/format.js';
import { visibleEscalationIds } from '../escalations/service.js';
import { presentProfile } from './presenter.js';
import { ACTIVITIES, listQuery, revealForm } from './schema.js';
import { activityOf, customerStats, customerTimeline, getCustomer, listCustomers, type TimelineItem } from './service.js';

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
      ACTIVITIES, fmt,
      page: pageView('/customers', req.query as Record<string, unknown>, query.page, hasMore, rows.length),
    });
  };

  /** Keeps a timeline entry's link only when the viewer may open it (doctors have no ticket or interaction pages; escalations are scoped). */
  const followable = async (actor: ReturnType<typeof actorOf>, items: TimelineItem[]): Promise<TimelineItem[]> => {
    const visible = await visibleEscalationIds(db, actor, items.filter((t) => t.kind === 'escalation').map((t) => t.id));
    return items.map((t) => {
      const hidden = (actor.role === 'doctor' && (t.kind === 'ticket' || t.kind === 'interaction')) || (t.kind === 'escalation' && !visible.has(t.id));
      return hidden ? { ...t, href: null } : t;
    });
  };

  const renderProfile = async (req: Request, res: Response, id: number, status = 200, reveal: { error?: string; reason?: string } = {}) => {
    const actor = actorOf(req);
    const customer = await getCustomer(db, id);
    const [stats, timeline, medical] = await Promise.all([
      customerStats(pool, id),
      customerTimeline(pool, id, 50).then((items) => followable(actor, items)),
      presentCustomerMedical(db, actor, id, viewContext(req)),
    ]);
    res.status(status).render('customers/show', { title: customer.fullName, c: presentProfile(customer), stats, timeline, medical, reveal, fmt });
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
      return renderProfile(req, res, id, 422, { error: parsed.error.issues[0]?.message ?? 'Give a reason', reason });
    }
    const { expiresAt } = await revealMedical(db, actorOf(req), id, parsed.data.reason, config.MEDICAL_REVEAL_MINUTES, viewContext(req));
    flash(req, 'info', `Medical details revealed until ${when(expiresAt)}. This is recorded.`);
    res.redirect(303, parsed.data.returnTo ?? `/customers/${id}`);
  };

  r.get('/', requireRole(...ALL_ROLES), list);
  r.get('/:id', requireRole(...ALL_ROLES), noStore, show);
  r.post('/:id/reveal', requireRole('doctor'), noStore, reveal);
  return r;
}
