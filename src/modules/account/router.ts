import { Router, type Request, type Response } from 'express';
import { recordAudit } from '../../audit.js';
import { PASSWORD_MIN_LENGTH } from '../../auth/password-policy.js';
import { RESET_PATH } from '../../auth/reset-links.js';
import { newSecret, otpauthUri, qrDataUrl } from '../../auth/two-factor.js';
import { ENROL_PATH, mustUseTwoFactor } from '../../auth/two-factor-policy.js';
import { endSession, endSessions, listSessions, sessionHandle } from '../../auth/sessions.js';
import { SESSION_COOKIE } from '../../app.js';
import type { AppContext } from '../../context.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { flash } from '../../http/flash.js';
import { fieldErrors } from '../../http/forms.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { setAvailability } from '../staff/service.js';
import { localDateTime, TIME_ZONES } from '../../lib/time.js';
import {
  availabilityForm,
  changePasswordForm,
  endSessionForm,
  enrolForm,
  newPasswordForm,
  timeZoneForm,
} from './schema.js';
import {
  accountOf,
  changePassword,
  LINK_INVALID,
  resetLinkOwner,
  setTimeZone,
  useResetLink,
} from './service.js';
import { disableTwoFactor, enableTwoFactor, twoFactorStatus } from './two-factor.js';

/** A reset token is 43 base64url characters; anything else cannot be one. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function accountRouter({ db, pool, config }: AppContext): Router {
  const r = Router();

  const installationZone = config.APP_TIME_ZONE;

  const renderAccount = async (
    req: Request,
    res: Response,
    status = 200,
    errors: Record<string, string> = {},
    chosenZone = req.user!.timeZone ?? '',
  ) => {
    const user = req.user!;
    const [account, sessions] = await Promise.all([
      accountOf(db, user.id),
      listSessions(pool, user.id, req.sessionID),
    ]);
    const zone = { zones: TIME_ZONES, chosen: chosenZone, installationZone };
    res.status(status).render('account/index', {
      title: 'Your account',
      account,
      sessions,
      errors,
      minLength: PASSWORD_MIN_LENGTH,
      ...zone,
      installationNow: localDateTime(new Date(), installationZone),
    });
  };

  const saveTimeZone = async (req: Request, res: Response) => {
    const parsed = timeZoneForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      const typed = typeof req.body?.timeZone === 'string' ? req.body.timeZone : '';
      return renderAccount(req, res, 422, fieldErrors(parsed.error), typed);
    }
    const zone = parsed.data.timeZone || null;
    await setTimeZone(pool, req.user!.id, zone);
    flash(
      req,
      'success',
      `Times are now shown in ${zone ?? `the desk's zone (${installationZone})`}.`,
    );
    res.redirect(303, '/account');
  };

  const show = (req: Request, res: Response) => renderAccount(req, res);

  const updatePassword = async (req: Request, res: Response) => {
    const input = changePasswordForm.parse(req.body ?? {});
    try {
      const ended = await changePassword(db, req.user!, input, req.sessionID, req.ip);
      const others =
        ended === 1
          ? 'Your 1 other session was signed out.'
          : ended
            ? `Your ${ended} other sessions were signed out.`
            : '';
      flash(req, 'success', `Password changed. ${others}`.trim());
      res.redirect(303, '/account');
    } catch (error) {
      if (error instanceof ValidationError) return renderAccount(req, res, 422, error.fieldErrors);
      throw error;
    }
  };

  const endOne = async (req: Request, res: Response) => {
    const parsed = endSessionForm.safeParse(req.body ?? {});
    if (!parsed.success) return renderAccount(req, res, 422, fieldErrors(parsed.error));
    // Ending this very session is signing out: the session must not be saved again afterwards.
    if (parsed.data.session === sessionHandle(req.sessionID)) {
      return req.logout(() =>
        req.session.destroy(() => res.clearCookie(SESSION_COOKIE).redirect(303, '/login')),
      );
    }
    const ended = await endSession(pool, req.user!.id, parsed.data.session);
    if (ended)
      await recordAudit(db, {
        actor: req.user!,
        action: 'session_ended',
        recordType: 'user',
        recordId: req.user!.id,
        ip: req.ip,
      });
    flash(
      req,
      ended ? 'success' : 'info',
      ended ? 'That session was signed out.' : 'That session had already ended.',
    );
    res.redirect(303, '/account');
  };

  const endOthers = async (req: Request, res: Response) => {
    const ended = await endSessions(db, req.user!.id, req.sessionID);
    if (ended)
      await recordAudit(db, {
        actor: req.user!,
        action: 'sessions_ended',
        recordType: 'user',
        recordId: req.user!.id,
        ip: req.ip,
      });
    flash(
      req,
      'success',
      ended
        ? `Signed out ${ended} other session${ended === 1 ? '' : 's'}.`
        : 'No other sessions were open.',
    );
    res.redirect(303, '/account');
  };

  const availability = async (req: Request, res: Response) => {
    const parsed = availabilityForm.safeParse(req.body ?? {});
    if (!parsed.success) return renderAccount(req, res, 422, fieldErrors(parsed.error));
    await setAvailability(db, req.user!, req.user!.id, {
      available: parsed.data.available,
      ip: req.ip,
    });
    flash(
      req,
      'success',
      parsed.data.available
        ? 'You are available: new consultations may be assigned to you.'
        : 'You are away: no new assignments.',
    );
    res.redirect(303, '/account');
  };

  // --- two-factor ------------------------------------------------------------------------------
  const renderTwoFactor = async (
    req: Request,
    res: Response,
    status = 200,
    errors: Record<string, string> = {},
    pending?: string,
  ) => {
    const user = req.user!;
    const state = await twoFactorStatus(db, user.id);
    const required = mustUseTwoFactor(config, user);
    if (state.enabledAt)
      return res.status(status).render('account/two-factor', {
        title: 'Two-factor sign-in',
        on: true,
        state,
        required,
        errors,
      });
    // The secret travels with the form (it is on the page anyway) until a code confirms it.
    const secret = pending ?? newSecret();
    const qr = await qrDataUrl(otpauthUri(secret, user.email));
    res.status(status).render('account/two-factor', {
      title: 'Two-factor sign-in',
      on: false,
      secret,
      qr,
      required,
      errors,
    });
  };

  const showTwoFactor = (req: Request, res: Response) => renderTwoFactor(req, res);

  const confirmTwoFactor = async (req: Request, res: Response) => {
    const parsed = enrolForm.safeParse(req.body ?? {});
    if (!parsed.success)
      return renderTwoFactor(req, res, 422, {
        code: 'The setup form was incomplete; scan this new code and try again.',
      });
    try {
      const codes = await enableTwoFactor(
        db,
        req.user!,
        parsed.data.secret,
        parsed.data.code,
        req.ip,
      );
      // Rendered, not redirected: the recovery codes must not be kept anywhere to show again.
      res.render('account/recovery-codes', { title: 'Your recovery codes', codes });
    } catch (error) {
      if (error instanceof ValidationError)
        return renderTwoFactor(req, res, 422, error.fieldErrors, parsed.data.secret);
      throw error;
    }
  };

  const removeTwoFactor = async (req: Request, res: Response) => {
    const password = typeof req.body?.password === 'string' ? req.body.password : '';
    let removed: boolean;
    try {
      removed = await disableTwoFactor(
        db,
        req.user!,
        password,
        mustUseTwoFactor(config, req.user!),
        req.ip,
      );
    } catch (error) {
      if (error instanceof ValidationError)
        return renderTwoFactor(req, res, 422, error.fieldErrors);
      throw error;
    }
    flash(
      req,
      removed ? 'success' : 'info',
      removed
        ? 'Two-factor sign-in is off. Your password alone now signs you in.'
        : 'Two-factor sign-in was already off.',
    );
    res.redirect(303, '/account');
  };

  // --- sign-in links (public: the person is not signed in yet) -----------------------------
  const invalidLink = (res: Response) =>
    res
      .status(404)
      .render('account/link-invalid', { title: 'Link not valid', message: LINK_INVALID });

  const renderReset = (
    res: Response,
    status: number,
    token: string,
    person: { name: string; email: string },
    errors: Record<string, string> = {},
  ) =>
    res.status(status).render('account/reset', {
      title: 'Choose your password',
      token,
      person,
      errors,
      minLength: PASSWORD_MIN_LENGTH,
    });

  const showReset = async (req: Request, res: Response) => {
    const token = String(req.params.token);
    const owner = TOKEN.test(token) ? await resetLinkOwner(db, token) : null;
    if (!owner) return invalidLink(res);
    res.set('Referrer-Policy', 'no-referrer');
    renderReset(res, 200, token, owner);
  };

  const submitReset = async (req: Request, res: Response) => {
    const token = String(req.params.token);
    const owner = TOKEN.test(token) ? await resetLinkOwner(db, token) : null;
    if (!owner) return invalidLink(res);
    try {
      await useResetLink(db, token, newPasswordForm.parse(req.body ?? {}), req.ip);
    } catch (error) {
      if (error instanceof ValidationError)
        return renderReset(res, 422, token, owner, error.fieldErrors);
      if (error instanceof NotFoundError) return invalidLink(res);
      throw error;
    }
    // Whoever was signed in on this browser is not necessarily the person who owns the link.
    req.logout(() => {
      flash(req, 'success', 'Your password is set. Sign in with it now.');
      res.redirect(303, '/login');
    });
  };

  r.get('/account', requireRole(...ALL_ROLES), show);
  r.post('/account/password', requireRole(...ALL_ROLES), updatePassword);
  r.post('/account/sessions/end', requireRole(...ALL_ROLES), endOne);
  r.post('/account/sessions/end-others', requireRole(...ALL_ROLES), endOthers);
  r.post('/account/availability', requireRole('doctor'), availability);
  r.post('/account/time-zone', requireRole(...ALL_ROLES), saveTimeZone);
  r.get(ENROL_PATH, requireRole(...ALL_ROLES), showTwoFactor);
  r.post(ENROL_PATH, requireRole(...ALL_ROLES), confirmTwoFactor);
  r.post(`${ENROL_PATH}/remove`, requireRole(...ALL_ROLES), removeTwoFactor);
  r.get(`${RESET_PATH}/:token`, showReset);
  r.post(`${RESET_PATH}/:token`, submitReset);
  return r;
}
