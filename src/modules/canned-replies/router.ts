import { actorOf, isManager } from '../../auth/actor.js';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import type { ConflictError } from '../../errors.js';
import { MANAGERS, STAFF, requireRole } from '../../http/guards.js';
import { formAction } from '../../http/outcome.js';
import { routeId } from '../../http/params.js';
import { KNOWN_PLACEHOLDERS } from './placeholders.js';
import { replyEditForm, replyFields } from './schema.js';
import { listReplies } from './queries.js';
import { createReply, deleteReply, getReply, updateReply } from './service.js';

type Values = Record<string, string>;

const LIST = '/canned-replies';

function valuesOf(body: Record<string, unknown>): Values {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    title: str(body.title),
    category: str(body.category),
    shortcut: str(body.shortcut),
    body: str(body.body),
    version: str(body.version),
  };
}

const idOf = (req: Request) => routeId(req.params.id, 'No such saved reply.');
const submitted = (req: Request) => valuesOf(req.body ?? {});

function renderForm(res: Response, view: { id?: number; values: Values; errors?: Values }) {
  res.render('canned-replies/form', {
    title: view.id ? 'Edit saved reply' : 'New saved reply',
    id: view.id ?? null,
    values: view.values,
    errors: view.errors ?? {},
    placeholders: KNOWN_PLACEHOLDERS,
  });
}

function list(db: Db) {
  return async function listPage(req: Request, res: Response) {
    res.render('canned-replies/list', {
      title: 'Saved replies',
      replies: await listReplies(db),
      manager: isManager(actorOf(req)),
      placeholders: KNOWN_PLACEHOLDERS,
    });
  };
}

function newForm(_req: Request, res: Response) {
  renderForm(res, { values: {} });
}

function edit(db: Db) {
  return async function editPage(req: Request, res: Response) {
    const reply = await getReply(db, idOf(req));
    renderForm(res, {
      id: reply.id,
      values: { ...valuesOf(reply), version: String(reply.version) },
    });
  };
}

function create(db: Db) {
  return formAction({
    schema: replyFields,
    run: async (input, req) => {
      await createReply(db, actorOf(req), input);
      return { message: `Saved reply ;${input.shortcut} created.`, to: LIST };
    },
    invalid: (req, res, errors) => renderForm(res, { values: submitted(req), errors }),
  });
}

/** Someone saved first: theirs stays; the form keeps this person's text at the new version. */
function showConflict(req: Request, res: Response, error: ConflictError) {
  const current = error.current as Awaited<ReturnType<typeof getReply>>;
  const form =
    'Someone changed this reply since you opened it. Theirs is saved; yours is below: save again to replace it.';
  renderForm(res, {
    id: idOf(req),
    values: { ...submitted(req), version: String(current.version) },
    errors: { form },
  });
}

function update(db: Db) {
  return formAction({
    schema: replyEditForm,
    run: async (input, req) => {
      await updateReply(db, actorOf(req), idOf(req), input);
      return { message: 'Saved reply updated.', to: LIST };
    },
    invalid: async (req, res, errors) => {
      // A reply deleted meanwhile is a 404, not a form to fix.
      const { id } = await getReply(db, idOf(req));
      renderForm(res, { id, values: submitted(req), errors });
    },
    conflict: showConflict,
  });
}

function remove(db: Db) {
  return formAction({
    schema: z.object({}),
    run: async (_input, req) => {
      await deleteReply(db, actorOf(req), idOf(req));
      return { message: 'Saved reply deleted.', to: LIST };
    },
  });
}

export function cannedRepliesRouter({ db }: AppContext): Router {
  const r = Router();
  r.get('/', requireRole(...STAFF), list(db));
  r.get('/new', requireRole(...MANAGERS), newForm);
  r.post('/', requireRole(...MANAGERS), create(db));
  r.get('/:id/edit', requireRole(...MANAGERS), edit(db));
  r.post('/:id/edit', requireRole(...MANAGERS), update(db));
  r.post('/:id/delete', requireRole(...MANAGERS), remove(db));
  return r;
}
