import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { paletteQuery } from './schema.js';
import { paletteResults } from './service.js';

export function paletteRouter({ pool }: AppContext): Router {
  const r = Router();

  // One endpoint for both: the palette fetches JSON; without JavaScript, "Go to…" is this page.
  const search = async (req: Request, res: Response) => {
    const { q } = paletteQuery.parse(req.query);
    const results = await paletteResults(pool, req.user!.role, q);
    res.set('Cache-Control', 'no-store');
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ q, results });
      return;
    }
    res.render('palette/index', { title: 'Go to', q, results });
  };

  r.get('/', requireRole(...ALL_ROLES), search);
  return r;
}
