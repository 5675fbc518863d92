import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { flash } from '../../http/flash.js';
import { fieldErrors } from '../../http/forms.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { localDateTime, TIME_ZONES } from '../../lib/time.js';
import { timeZoneForm } from './schema.js';
import { setTimeZone } from './service.js';

export function accountRouter({ pool, config }: AppContext): Router {
  const r = Router();
  const installationZone = config.APP_TIME_ZONE;

  const page = (res: Response, status: number, chosen: string, errors: Record<string, string> = {}) =>
    res.status(status).render('account/show', {
      title: 'Your settings', zones: TIME_ZONES, chosen, errors, installationZone,
      installationNow: localDateTime(new Date(), installationZone),
    });

  const show = (req: Request, res: Response) => page(res, 200, req.user!.timeZone ?? '');

  const saveTimeZone = async (req: Request, res: Response) => {
    const parsed = timeZoneForm.safeParse(req.body);
    if (!parsed.success) {
      page(res, 422, typeof req.body?.timeZone === 'string' ? req.body.timeZone : '', fieldErrors(parsed.error));
      return;
    }
    const zone = parsed.data.timeZone || null;
    await setTimeZone(pool, req.user!.id, zone);
    const followed = zone ?? `the desk's zone (${installationZone})`;
    flash(req, 'success', `Times are now shown in ${followed}.`);
    res.redirect(303, '/account');
  };

  r.get('/', requireRole(...ALL_ROLES), show);
  r.post('/time-zone', requireRole(...ALL_ROLES), saveTimeZone);
  return r;
}
