import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { openableLabels } from '../notifications/presenter.js';
import { leaveForm, presenceQuery, reportForm, type PresenceType } from './schema.js';
import { leave, presenceOf, reportPresence } from './service.js';

const NO_SUCH_RECORD = 'No such record.';

export function presenceRouter({ db, pool, config }: AppContext): Router {
  const r = Router();

  /** The same rule as the record's own page: a record the viewer may not open does not exist for them. */
  const assertOpenable = async (req: Request, type: PresenceType, id: number) => {
    const viewer = { id: req.user!.id, role: req.user!.role };
    const labels = await openableLabels(db, viewer, [{ recordType: type, recordId: id }]);
    if (!labels.size) throw new NotFoundError(NO_SUCH_RECORD);
  };

  const show = async (req: Request, res: Response) => {
    const query = presenceQuery.safeParse(req.query);
    if (!query.success) throw new NotFoundError(NO_SUCH_RECORD);
    const { type, id, version } = query.data;
    await assertOpenable(req, type, id);
    const presence = await presenceOf(
      pool,
      req.user!.id,
      { type, id, version },
      config.PRESENCE_TTL_SECONDS,
    );
    res
      .set('Cache-Control', 'no-store')
      .render('presence/_presence', { presence, recordType: type, now: new Date() });
  };

  const report = async (req: Request, res: Response) => {
    const parsed = reportForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError('Presence needs a record and a tab.');
    await assertOpenable(req, parsed.data.recordType, parsed.data.recordId);
    await reportPresence(pool, { ...parsed.data, userId: req.user!.id });
    res.status(200).end();
  };

  const gone = async (req: Request, res: Response) => {
    const parsed = leaveForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError('Presence needs a tab.');
    await leave(pool, req.user!.id, parsed.data.tabId);
    res.status(200).end();
  };

  r.get('/', requireRole(...ALL_ROLES), show);
  r.post('/', requireRole(...ALL_ROLES), report);
  r.post('/leave', requireRole(...ALL_ROLES), gone);
  return r;
}
