import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { ConflictError } from '../../errors.js';
import { flash } from '../../http/flash.js';
import { requireRole } from '../../http/guards.js';
import { MAX_MINUTES, nestTargets, PRIORITIES, targetsForm } from './schema.js';
import { currentTargets, saveTargets, targetHistory, type TargetRow } from './service.js';

type Values = Record<string, Record<string, string>>;

/** Zod issues as { "urgent.resolutionMins": message }, matching the form's field names. */
function errorsByField(issues: { path: PropertyKey[]; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) out[issue.path.map(String).join('.')] ??= issue.message;
  return out;
}

function valuesOf(rows: TargetRow[]): Values {
  return Object.fromEntries(
    rows.map((r) => [
      r.priority,
      {
        firstResponseMins: String(r.firstResponseMins),
        resolutionMins: String(r.resolutionMins),
        version: String(r.version),
      },
    ]),
  );
}

export function slaRouter({ db }: AppContext): Router {
  const r = Router();

  const render = async (
    res: Response,
    status: number,
    values: Values,
    errors: Record<string, string> = {},
    conflict: string | null = null,
  ) => {
    const [current, history] = await Promise.all([currentTargets(db), targetHistory(db)]);
    res.status(status).render('sla/index', {
      title: 'SLA targets',
      current,
      history,
      values,
      errors,
      conflict,
      priorities: PRIORITIES,
      maxMinutes: MAX_MINUTES,
    });
  };

  const show = async (_req: Request, res: Response) =>
    render(res, 200, valuesOf(await currentTargets(db)));

  const save = async (req: Request, res: Response) => {
    const nested = nestTargets((req.body ?? {}) as Record<string, unknown>);
    const typed = Object.fromEntries(
      PRIORITIES.map((p) => [
        p,
        Object.fromEntries(
          Object.entries(nested[p] ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : '']),
        ),
      ]),
    );
    const parsed = targetsForm.safeParse(nested);
    if (!parsed.success) return render(res, 422, typed, errorsByField(parsed.error.issues));
    try {
      const changed = await saveTargets(db, req.user!, parsed.data, req.ip);
      flash(
        req,
        changed.length ? 'success' : 'info',
        changed.length
          ? `Saved new targets for ${changed.join(', ')}. They apply to tickets created from now on.`
          : 'Nothing changed.',
      );
      res.redirect(303, '/sla-targets');
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      // Keep what was typed, against the versions now saved, so saving again is a deliberate overwrite.
      const fresh = valuesOf(error.current as TargetRow[]);
      const mine = Object.fromEntries(
        PRIORITIES.map((p) => [p, { ...typed[p], version: fresh[p].version }]),
      );
      return render(res, 409, mine, {}, error.message);
    }
  };

  r.get('/', requireRole('admin'), show);
  r.post('/', requireRole('admin'), save);
  return r;
}
