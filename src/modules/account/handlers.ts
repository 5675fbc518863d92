import type { Request, RequestHandler, Response } from 'express';
import { recordAudit } from '../../audit.js';
import { actorOf } from '../../auth/actor.js';
import { endSession, endSessions, sessionHandle } from '../../auth/sessions.js';
import { mustUseTwoFactor } from '../../auth/two-factor-policy.js';
import { SESSION_COOKIE } from '../../app.js';
import type { AppContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { formAction, type Done } from '../../http/outcome.js';
import { setAvailability } from '../staff/service.js';
import { renderAccount, renderInvalidLink, renderReset, renderTwoFactor } from './pages.js';
import {
  availabilityForm,
  buttonForm,
  changePasswordForm,
  endSessionForm,
  enrolForm,
  newPasswordForm,
  removeTwoFactorForm,
  timeZoneForm,
} from './schema.js';
import { changePassword, resetLinkOwner, setTimeZone, useResetLink } from './service.js';
import { disableTwoFactor, enableTwoFactor } from './two-factor.js';

const ACCOUNT = '/account';
const done = (message: string, kind: Done['kind'] = 'success'): Done => ({
  message,
  to: ACCOUNT,
  kind,
});

// --- the account page ----------------------------------------------------------------------------

export const showAccount =
  (ctx: AppContext): RequestHandler =>
  (req, res) =>
    renderAccount(ctx, req, res);

function otherSessionsEnded(ended: number): string {
  if (ended === 0) return '';
  return ended === 1
    ? 'Your 1 other session was signed out.'
    : `Your ${ended} other sessions were signed out.`;
}

export function updatePassword(ctx: AppContext): RequestHandler {
  return formAction({
    schema: changePasswordForm,
    run: async (input, req) => {
      const change = { actor: actorOf(req), input, keepSid: req.sessionID, ip: req.ip };
      const ended = await changePassword(ctx.db, change);
      return done(`Password changed. ${otherSessionsEnded(ended)}`.trim());
    },
    invalid: (req, res, errors) => renderAccount(ctx, req, res, { status: 422, errors }),
  });
}

function auditOwnSessions(
  { db }: AppContext,
  req: Request,
  action: 'session_ended' | 'sessions_ended',
) {
  const user = req.user!;
  return recordAudit(db, {
    actor: user,
    action,
    recordType: 'user',
    recordId: user.id,
    ip: req.ip,
  });
}

/** Ending this very session is signing out: the session must not be saved again afterwards. */
function signOutHere(req: Request, res: Response): void {
  req.logout(() =>
    req.session.destroy(() => res.clearCookie(SESSION_COOKIE).redirect(303, '/login')),
  );
}

export function endOneSession(ctx: AppContext): RequestHandler {
  const endAnother = formAction({
    schema: endSessionForm,
    run: async ({ session }, req) => {
      const ended = await endSession(ctx.pool, req.user!.id, session);
      if (!ended) return done('That session had already ended.', 'info');
      await auditOwnSessions(ctx, req, 'session_ended');
      return done('That session was signed out.');
    },
    invalid: (req, res, errors) => renderAccount(ctx, req, res, { status: 422, errors }),
  });
  return (req, res, next) => {
    const chosen = endSessionForm.safeParse(req.body ?? {}).data?.session;
    if (chosen === sessionHandle(req.sessionID)) return signOutHere(req, res);
    return endAnother(req, res, next);
  };
}

export function endOtherSessions(ctx: AppContext): RequestHandler {
  return formAction({
    schema: buttonForm,
    run: async (_input, req) => {
      const ended = await endSessions(ctx.db, req.user!.id, req.sessionID);
      if (!ended) return done('No other sessions were open.');
      await auditOwnSessions(ctx, req, 'sessions_ended');
      return done(`Signed out ${ended} other session${ended === 1 ? '' : 's'}.`);
    },
  });
}

export function saveAvailability(ctx: AppContext): RequestHandler {
  return formAction({
    schema: availabilityForm,
    run: async ({ available }, req) => {
      await setAvailability(ctx.db, actorOf(req), req.user!.id, { available, ip: req.ip });
      return done(
        available
          ? 'You are available: new consultations may be assigned to you.'
          : 'You are away: no new assignments.',
      );
    },
    invalid: (req, res, errors) => renderAccount(ctx, req, res, { status: 422, errors }),
  });
}

export function saveTimeZone(ctx: AppContext): RequestHandler {
  const installationZone = ctx.config.APP_TIME_ZONE;
  return formAction({
    schema: timeZoneForm,
    run: async ({ timeZone }, req) => {
      const zone = timeZone || null;
      await setTimeZone(ctx.pool, req.user!.id, zone);
      return done(`Times are now shown in ${zone ?? `the desk's zone (${installationZone})`}.`);
    },
    invalid: (req, res, errors) => {
      const typed = typeof req.body?.timeZone === 'string' ? req.body.timeZone : '';
      return renderAccount(ctx, req, res, { status: 422, errors, chosenZone: typed });
    },
  });
}

// --- two-factor ----------------------------------------------------------------------------------

export const showTwoFactor =
  (ctx: AppContext): RequestHandler =>
  (req, res) =>
    renderTwoFactor(ctx, req, res);

const SETUP_INCOMPLETE = 'The setup form was incomplete; scan this new code and try again.';

export function confirmTwoFactor(ctx: AppContext): RequestHandler {
  return formAction({
    schema: enrolForm,
    run: async ({ secret, code }, req) => {
      const codes = await enableTwoFactor(ctx.db, {
        actor: actorOf(req),
        secret,
        code,
        ip: req.ip,
      });
      // Shown, not redirected: the recovery codes must not be kept anywhere to show again.
      return { view: 'account/recovery-codes', locals: { title: 'Your recovery codes', codes } };
    },
    invalid: (req, res, errors) => {
      // A wrong code keeps the secret already scanned; a form without a usable secret starts over.
      const sent = enrolForm.safeParse(req.body ?? {});
      if (!sent.success)
        return renderTwoFactor(ctx, req, res, { status: 422, errors: { code: SETUP_INCOMPLETE } });
      return renderTwoFactor(ctx, req, res, { status: 422, errors, pending: sent.data.secret });
    },
  });
}

export function removeTwoFactor(ctx: AppContext): RequestHandler {
  return formAction({
    schema: removeTwoFactorForm,
    run: async ({ password }, req) => {
      const required = mustUseTwoFactor(ctx.config, req.user!);
      const removal = { actor: actorOf(req), password, required, ip: req.ip };
      if (!(await disableTwoFactor(ctx.db, removal)))
        return done('Two-factor sign-in was already off.', 'info');
      return done('Two-factor sign-in is off. Your password alone now signs you in.');
    },
    invalid: (req, res, errors) => renderTwoFactor(ctx, req, res, { status: 422, errors }),
  });
}

// --- sign-in links (public: the person is not signed in yet) -------------------------------------

/** A reset token is 43 base64url characters; anything else cannot be one. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const tokenOf = (req: Request) => String(req.params.token);

/** The person the link in the path is for, or null when it cannot be used. */
const linkOwner = ({ db }: AppContext, req: Request) =>
  TOKEN.test(tokenOf(req)) ? resetLinkOwner(db, tokenOf(req)) : null;

export const showReset =
  (ctx: AppContext): RequestHandler =>
  async (req, res) => {
    const owner = await linkOwner(ctx, req);
    if (!owner) return renderInvalidLink(res);
    res.set('Referrer-Policy', 'no-referrer');
    renderReset(res, { token: tokenOf(req), person: owner });
  };

const signOut = (req: Request) => new Promise<void>((resolve) => req.logout(() => resolve()));

export function submitReset(ctx: AppContext): RequestHandler {
  const setPassword = formAction({
    schema: newPasswordForm,
    run: async (input, req) => {
      await useResetLink(ctx.db, { token: tokenOf(req), input, ip: req.ip });
      // Whoever was signed in on this browser is not necessarily the person who owns the link.
      await signOut(req);
      return { message: 'Your password is set. Sign in with it now.', to: '/login' };
    },
    invalid: async (req, res, errors) => {
      const owner = await linkOwner(ctx, req);
      if (!owner) return renderInvalidLink(res);
      renderReset(res, { status: 422, token: tokenOf(req), person: owner, errors });
    },
  });
  return async (req, res, next) => {
    if (!(await linkOwner(ctx, req))) return renderInvalidLink(res);
    try {
      await setPassword(req, res, next);
    } catch (error) {
      // Spent by another submission since it was checked: the same answer as an unknown link.
      if (error instanceof NotFoundError) return renderInvalidLink(res);
      throw error;
    }
  };
}
