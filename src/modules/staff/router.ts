import { actorOf } from '../../auth/actor.js';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { RESET_LINK_HOURS, RESET_PATH } from '../../auth/reset-links.js';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { formAction, type Shown } from '../../http/outcome.js';
import { pageView } from '../../http/pagination.js';
import { routeId } from '../../http/params.js';
import { listStaff } from './queries.js';
import { addForm, availabilityForm, listQuery, roleForm } from './schema.js';
import {
  addStaff,
  changeRole,
  getStaff,
  issueResetLink,
  setActive,
  setAvailability,
  type StaffDetail,
} from './service.js';

export function staffRouter({ db }: AppContext): Router {
  const r = Router();
  r.get('/', requireRole('admin'), listPage(db));
  r.get('/new', requireRole('admin'), newPage);
  r.post('/', requireRole('admin'), add(db));
  r.get('/:id', requireRole('admin'), showPage(db));
  r.post('/:id/role', requireRole('admin'), updateRole(db));
  r.post('/:id/disable', requireRole('admin'), switchActive(db, false));
  r.post('/:id/enable', requireRole('admin'), switchActive(db, true));
  r.post('/:id/reset', requireRole('admin'), reset(db));
  r.post('/:id/availability', requireRole('admin'), availability(db));
  return r;
}

const str = (value: unknown) => (typeof value === 'string' ? value : '');

/** Disable, enable and a new sign-in link carry nothing but the CSRF token. */
const noFields = z.object({});

function idOf(req: Request): number {
  return routeId(req.params.id, 'No such staff account.');
}

function listPage(db: Db) {
  return async (req: Request, res: Response) => {
    const query = listQuery.parse(req.query);
    const { rows, hasMore } = await listStaff(db, query);
    const filters = { q: query.q ?? '', role: query.role ?? '', status: query.status ?? '' };
    res.render('staff/list', {
      title: 'Staff',
      people: rows,
      filters,
      roles: ALL_ROLES,
      page: pageView('/staff', filters, { number: query.page, hasMore, shown: rows.length }),
    });
  };
}

function renderNew(
  res: Response,
  form: { status: number; values: Record<string, string>; errors?: Record<string, string> },
) {
  res.status(form.status).render('staff/new', {
    title: 'Add a person',
    values: form.values,
    errors: form.errors ?? {},
    roles: ALL_ROLES,
  });
}

function newPage(_req: Request, res: Response) {
  renderNew(res, {
    status: 200,
    values: { name: '', email: '', role: 'agent', specialization: '' },
  });
}

/**
 * The page that shows a sign-in link once. Rendered, not redirected: the link must not sit in a
 * session or a URL the browser keeps. The absolute link is built from this request's own origin.
 */
function linkPage(
  req: Request,
  link: { person: { id: number; name: string }; token: string; added: boolean },
): Shown {
  return {
    view: 'staff/link',
    locals: {
      title: 'Sign-in link',
      person: link.person,
      link: `${req.protocol}://${req.get('host')}${RESET_PATH}/${link.token}`,
      hours: RESET_LINK_HOURS,
      added: link.added,
    },
  };
}

function add(db: Db) {
  const typed = (req: Request) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fields = ['name', 'email', 'role', 'specialization'];
    return Object.fromEntries(fields.map((field) => [field, str(body[field])]));
  };
  return formAction({
    schema: addForm,
    run: async (input, req) => {
      const { id, token } = await addStaff(db, actorOf(req), input, { ip: req.ip });
      return linkPage(req, { person: { id, name: input.name }, token, added: true });
    },
    invalid: (req, res, errors) => renderNew(res, { status: 422, values: typed(req), errors }),
  });
}

function renderShow(
  req: Request,
  res: Response,
  page: { status: number; person: StaffDetail; errors?: Record<string, string> },
) {
  const errors = page.errors ?? {};
  res.status(page.status).render('staff/show', {
    title: page.person.name,
    person: page.person,
    roles: ALL_ROLES,
    self: page.person.id === actorOf(req).id,
    errors,
    // A refusal about the whole account, or else what the first refused field says.
    formError: errors.form ?? Object.values(errors)[0] ?? null,
  });
}

function showPage(db: Db) {
  return async (req: Request, res: Response) =>
    renderShow(req, res, { status: 200, person: await getStaff(db, idOf(req)) });
}

/** A refused change shows the account page again with the reason. */
function showAgain(db: Db) {
  return async (req: Request, res: Response, errors: Record<string, string>) =>
    renderShow(req, res, { status: 422, person: await getStaff(db, idOf(req)), errors });
}

function updateRole(db: Db) {
  return formAction({
    schema: roleForm,
    run: async (change, req) => {
      await changeRole(db, actorOf(req), idOf(req), { ...change, ip: req.ip });
      return { message: `Role set to ${change.role}.`, to: `/staff/${idOf(req)}` };
    },
    invalid: showAgain(db),
    conflict: (req, res, error) =>
      res.render('staff/conflict', {
        title: 'Someone changed this account',
        person: error.current,
        message: error.message,
        submitted: str(req.body?.role),
      }),
  });
}

function switchActive(db: Db, active: boolean) {
  const [changed, unchanged] = active
    ? ['Account enabled.', 'This account was already active.']
    : [
        'Account disabled; every session it had is signed out.',
        'This account was already disabled.',
      ];
  return formAction({
    schema: noFields,
    run: async (_input, req) => {
      const switched = await setActive(db, actorOf(req), idOf(req), { active, ip: req.ip });
      return { message: switched ? changed : unchanged, to: `/staff/${idOf(req)}` };
    },
    invalid: showAgain(db),
  });
}

function reset(db: Db) {
  return formAction({
    schema: noFields,
    run: async (_input, req) => {
      const token = await issueResetLink(db, actorOf(req), idOf(req), { ip: req.ip });
      return linkPage(req, { person: await getStaff(db, idOf(req)), token, added: false });
    },
    invalid: showAgain(db),
  });
}

function availability(db: Db) {
  return formAction({
    schema: availabilityForm,
    run: async ({ available }, req) => {
      await setAvailability(db, actorOf(req), idOf(req), { available, ip: req.ip });
      const message = available
        ? 'Marked available: new consultations may be assigned.'
        : 'Marked away: no new assignments.';
      return { message, to: `/staff/${idOf(req)}` };
    },
    invalid: showAgain(db),
  });
}
