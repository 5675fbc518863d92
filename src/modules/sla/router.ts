import { Router, type Request, type Response } from 'express';
import { actorOf } from '../../auth/actor.js';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import type { ConflictError } from '../../errors.js';
import { requireRole } from '../../http/guards.js';
import { formAction } from '../../http/outcome.js';
import { currentTargets, targetHistory, type TargetRow } from './queries.js';
import { MAX_MINUTES, nestTargets, PRIORITIES, targetsBody } from './schema.js';
import { saveTargets } from './service.js';

type Values = Record<string, Record<string, string>>;

interface FormState {
  values: Values;
  errors?: Record<string, string>;
  conflict?: string;
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

/** What was typed, as text, per priority (anything not a string reads as blank). */
function typedValues(req: Request): Values {
  const nested = nestTargets((req.body ?? {}) as Record<string, unknown>);
  return Object.fromEntries(
    PRIORITIES.map((p) => [
      p,
      Object.fromEntries(
        Object.entries(nested[p] ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : '']),
      ),
    ]),
  );
}

async function render(db: Db, res: Response, { values, errors = {}, conflict }: FormState) {
  const [current, history] = await Promise.all([currentTargets(db), targetHistory(db)]);
  res.render('sla/index', {
    title: 'SLA targets',
    current,
    history,
    values,
    errors,
    conflict: conflict ?? null,
    priorities: PRIORITIES,
    maxMinutes: MAX_MINUTES,
  });
}

/** Keeps what was typed, against the versions now saved, so saving again is a deliberate overwrite. */
function conflictValues(req: Request, error: ConflictError): Values {
  const fresh = valuesOf(error.current as TargetRow[]);
  const typed = typedValues(req);
  return Object.fromEntries(PRIORITIES.map((p) => [p, { ...typed[p], version: fresh[p].version }]));
}

function savedMessage(changed: string[]): string {
  return changed.length
    ? `Saved new targets for ${changed.join(', ')}. They apply to tickets created from now on.`
    : 'Nothing changed.';
}

function targetsPage(db: Db) {
  const show = async (_req: Request, res: Response) =>
    render(db, res, { values: valuesOf(await currentTargets(db)) });

  const save = formAction({
    schema: targetsBody,
    run: async (input, req) => {
      const changed = await saveTargets(db, actorOf(req), input, { ip: req.ip });
      return {
        message: savedMessage(changed),
        to: '/sla-targets',
        kind: changed.length ? 'success' : 'info',
      };
    },
    invalid: (req, res, errors) => render(db, res, { values: typedValues(req), errors }),
    conflict: (req, res, error) =>
      render(db, res, { values: conflictValues(req, error), conflict: error.message }),
  });

  return { show, save };
}

export function slaRouter({ db }: AppContext): Router {
  const r = Router();
  const page = targetsPage(db);
  r.get('/', requireRole('admin'), page.show);
  r.post('/', requireRole('admin'), page.save);
  return r;
}
