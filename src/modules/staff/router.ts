import { Router, type Request, type Response } from 'express';
import { RESET_LINK_HOURS, RESET_PATH } from '../../auth/reset-links.js';
import type { AppContext } from '../../context.js';
import { ConflictError, ValidationError } from '../../errors.js';
import { flash } from '../../http/flash.js';
import { fieldErrors } from '../../http/forms.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { pageView } from '../../http/pagination.js';
import { routeId } from '../../http/params.js';
import { addForm, availabilityForm, listQuery, roleForm } from './schema.js';
import {
  addStaff,
  changeRole,
  getStaff,
  issueResetLink,
  listStaff,
  setActive,
  setAvailability,
  type StaffDetail,
} from './service.js';

const str = (value: unknown) => (typeof value === 'string' ? value : '');

/** The absolute link an admin hands over; built from this request's own origin. */
function resetUrl(req: Request, token: string): string {
  return `${req.protocol}://${req.get('host')}${RESET_PATH}/${token}`;
}

export function staffRouter({ db }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
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

  const renderNew = (
    res: Response,
    status: number,
    values: Record<string, string>,
    errors: Record<string, string> = {},
  ) =>
    res
      .status(status)
      .render('staff/new', { title: 'Add a person', values, errors, roles: ALL_ROLES });

  const newForm = (_req: Request, res: Response) =>
    renderNew(res, 200, { name: '', email: '', role: 'agent', specialization: '' });

  const renderLink = (
    req: Request,
    res: Response,
    person: { id: number; name: string },
    token: string,
    added: boolean,
  ) =>
    res.render('staff/link', {
      title: 'Sign-in link',
      person,
      link: resetUrl(req, token),
      hours: RESET_LINK_HOURS,
      added,
    });

  const create = async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = {
      name: str(body.name),
      email: str(body.email),
      role: str(body.role),
      specialization: str(body.specialization),
    };
    const parsed = addForm.safeParse(body);
    if (!parsed.success) return renderNew(res, 422, values, fieldErrors(parsed.error));
    try {
      const { id, token } = await addStaff(db, req.user!, parsed.data, req.ip);
      // Rendered, not redirected: the link must not sit in a session or a URL the browser keeps.
      renderLink(req, res, { id, name: parsed.data.name }, token, true);
    } catch (error) {
      if (error instanceof ValidationError) return renderNew(res, 422, values, error.fieldErrors);
      throw error;
    }
  };

  const renderShow = (
    req: Request,
    res: Response,
    status: number,
    person: StaffDetail,
    form: { errors?: Record<string, string>; message?: string } = {},
  ) =>
    res.status(status).render('staff/show', {
      title: person.name,
      person,
      roles: ALL_ROLES,
      self: person.id === req.user!.id,
      errors: form.errors ?? {},
      formError: form.message ?? null,
    });

  const show = async (req: Request, res: Response) =>
    renderShow(req, res, 200, await getStaff(db, routeId(req.params.id, 'No such staff account.')));

  /** Runs a change; a refusal re-renders the account page with the reason, a stale form the conflict page. */
  const change =
    (run: (req: Request, id: number) => Promise<string>) => async (req: Request, res: Response) => {
      const id = routeId(req.params.id, 'No such staff account.');
      try {
        flash(req, 'success', await run(req, id));
        res.redirect(303, `/staff/${id}`);
      } catch (error) {
        if (error instanceof ConflictError) {
          return res.status(409).render('staff/conflict', {
            title: 'Someone changed this account',
            person: error.current,
            message: error.message,
            submitted: str(req.body?.role),
          });
        }
        if (error instanceof ValidationError)
          return renderShow(req, res, 422, await getStaff(db, id), {
            errors: error.fieldErrors,
            message: error.message,
          });
        throw error;
      }
    };

  const updateRole = change(async (req, id) => {
    const parsed = roleForm.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new ValidationError(
        'Choose a role from the list and try again.',
        fieldErrors(parsed.error),
      );
    await changeRole(db, req.user!, id, parsed.data, req.ip);
    return `Role set to ${parsed.data.role}.`;
  });

  const disable = change(async (req, id) =>
    (await setActive(db, req.user!, id, false, req.ip))
      ? 'Account disabled; every session it had is signed out.'
      : 'This account was already disabled.',
  );
  const enable = change(async (req, id) =>
    (await setActive(db, req.user!, id, true, req.ip))
      ? 'Account enabled.'
      : 'This account was already active.',
  );

  const reset = async (req: Request, res: Response) => {
    const id = routeId(req.params.id, 'No such staff account.');
    try {
      const token = await issueResetLink(db, req.user!, id, req.ip);
      renderLink(req, res, await getStaff(db, id), token, false);
    } catch (error) {
      if (error instanceof ValidationError)
        return renderShow(req, res, 422, await getStaff(db, id), { message: error.message });
      throw error;
    }
  };

  const availability = change(async (req, id) => {
    const parsed = availabilityForm.safeParse(req.body ?? {});
    if (!parsed.success)
      throw new ValidationError('Choose available or away.', fieldErrors(parsed.error));
    await setAvailability(db, req.user!, id, parsed.data.available, req.ip);
    return parsed.data.available
      ? 'Marked available: new consultations may be assigned.'
      : 'Marked away: no new assignments.';
  });

  r.get('/', requireRole('admin'), list);
  r.get('/new', requireRole('admin'), newForm);
  r.post('/', requireRole('admin'), create);
  r.get('/:id', requireRole('admin'), show);
  r.post('/:id/role', requireRole('admin'), updateRole);
  r.post('/:id/disable', requireRole('admin'), disable);
  r.post('/:id/enable', requireRole('admin'), enable);
  r.post('/:id/reset', requireRole('admin'), reset);
  r.post('/:id/availability', requireRole('admin'), availability);
  return r;
}
