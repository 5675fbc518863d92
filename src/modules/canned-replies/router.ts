import { actorOf, isManager } from '../../auth/actor.js';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { ConflictError, ValidationError } from '../../errors.js';
import { flash } from '../../http/flash.js';
import { MANAGERS, STAFF, requireRole } from '../../http/guards.js';
import { routeId } from '../../http/params.js';
import { KNOWN_PLACEHOLDERS } from './placeholders.js';
import { fieldErrors, replyEditForm, replyFields } from './schema.js';
import { createReply, deleteReply, getReply, listReplies, updateReply } from './service.js';

type Values = Record<string, string>;

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

export function cannedRepliesRouter({ db }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const replies = await listReplies(db);
    res.render('canned-replies/list', {
      title: 'Saved replies',
      replies,
      manager: isManager(actorOf(req)),
      placeholders: KNOWN_PLACEHOLDERS,
    });
  };

  const renderForm = (
    res: Response,
    status: number,
    view: { id?: number; values: Values; errors?: Record<string, string> },
  ) =>
    res.status(status).render('canned-replies/form', {
      title: view.id ? 'Edit saved reply' : 'New saved reply',
      id: view.id ?? null,
      values: view.values,
      errors: view.errors ?? {},
      placeholders: KNOWN_PLACEHOLDERS,
    });

  const newForm = (_req: Request, res: Response) => renderForm(res, 200, { values: {} });

  const create = async (req: Request, res: Response) => {
    const values = valuesOf(req.body ?? {});
    const parsed = replyFields.safeParse(req.body ?? {});
    if (!parsed.success) return renderForm(res, 422, { values, errors: fieldErrors(parsed.error) });
    try {
      await createReply(db, actorOf(req), parsed.data);
    } catch (error) {
      if (error instanceof ValidationError)
        return renderForm(res, 422, { values, errors: error.fieldErrors });
      throw error;
    }
    flash(req, 'success', `Saved reply ;${parsed.data.shortcut} created.`);
    res.redirect(303, '/canned-replies');
  };

  const edit = async (req: Request, res: Response) => {
    const reply = await getReply(db, routeId(req.params.id, 'No such saved reply.'));
    const values = { ...valuesOf(reply), version: String(reply.version) };
    renderForm(res, 200, { id: reply.id, values });
  };

  const update = async (req: Request, res: Response) => {
    const id = routeId(req.params.id, 'No such saved reply.');
    const values = valuesOf(req.body ?? {});
    const parsed = replyEditForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      await getReply(db, id);
      return renderForm(res, 422, { id, values, errors: fieldErrors(parsed.error) });
    }
    try {
      await updateReply(db, actorOf(req), id, parsed.data);
    } catch (error) {
      if (error instanceof ValidationError)
        return renderForm(res, 422, { id, values, errors: error.fieldErrors });
      if (!(error instanceof ConflictError)) throw error;
      const current = error.current as Awaited<ReturnType<typeof getReply>>;
      const form =
        'Someone changed this reply since you opened it. Theirs is saved; yours is below: save again to replace it.';
      return renderForm(res, 409, {
        id,
        values: { ...values, version: String(current.version) },
        errors: { form },
      });
    }
    flash(req, 'success', 'Saved reply updated.');
    res.redirect(303, '/canned-replies');
  };

  const remove = async (req: Request, res: Response) => {
    await deleteReply(db, actorOf(req), routeId(req.params.id, 'No such saved reply.'));
    flash(req, 'success', 'Saved reply deleted.');
    res.redirect(303, '/canned-replies');
  };

  r.get('/', requireRole(...STAFF), list);
  r.get('/new', requireRole(...MANAGERS), newForm);
  r.post('/', requireRole(...MANAGERS), create);
  r.get('/:id/edit', requireRole(...MANAGERS), edit);
  r.post('/:id/edit', requireRole(...MANAGERS), update);
  r.post('/:id/delete', requireRole(...MANAGERS), remove);
  return r;
}
