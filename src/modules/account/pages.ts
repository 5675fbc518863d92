import type { Request, Response } from 'express';
import { PASSWORD_MIN_LENGTH } from '../../auth/password-policy.js';
import { listSessions } from '../../auth/sessions.js';
import { newSecret, otpauthUri, qrDataUrl } from '../../auth/two-factor.js';
import { mustUseTwoFactor } from '../../auth/two-factor-policy.js';
import type { AppContext } from '../../context.js';
import { localDateTime, TIME_ZONES } from '../../lib/time.js';
import { accountOf, LINK_INVALID } from './service.js';
import { twoFactorStatus } from './two-factor.js';

type Errors = Record<string, string>;

export interface AccountPage {
  status?: number;
  errors?: Errors;
  /** The zone the time-zone form shows: what was typed, when the form comes back refused. */
  chosenZone?: string;
}

/** The account page: who one is, one's sessions, and the password, zone and availability forms. */
export async function renderAccount(
  { db, pool, config }: AppContext,
  req: Request,
  res: Response,
  { status = 200, errors = {}, chosenZone }: AccountPage = {},
): Promise<void> {
  const user = req.user!;
  const [account, sessions] = await Promise.all([
    accountOf(db, user.id),
    listSessions(pool, user.id, req.sessionID),
  ]);
  const installationZone = config.APP_TIME_ZONE;
  res.status(status).render('account/index', {
    title: 'Your account',
    account,
    sessions,
    errors,
    minLength: PASSWORD_MIN_LENGTH,
    zones: TIME_ZONES,
    chosen: chosenZone ?? user.timeZone ?? '',
    installationZone,
    installationNow: localDateTime(new Date(), installationZone),
  });
}

export interface TwoFactorPage {
  status?: number;
  errors?: Errors;
  /** The secret of an enrolment form sent back, so the code already scanned stays valid. */
  pending?: string;
}

/** Two-factor on: its status; off: a secret and its QR code to enrol with. */
export async function renderTwoFactor(
  { db, config }: AppContext,
  req: Request,
  res: Response,
  { status = 200, errors = {}, pending }: TwoFactorPage = {},
): Promise<void> {
  const user = req.user!;
  const state = await twoFactorStatus(db, user.id);
  const page = { title: 'Two-factor sign-in', required: mustUseTwoFactor(config, user), errors };
  if (state.enabledAt)
    return res.status(status).render('account/two-factor', { ...page, on: true, state });
  // The secret travels with the form (it is on the page anyway) until a code confirms it.
  const secret = pending ?? newSecret();
  const qr = await qrDataUrl(otpauthUri(secret, user.email));
  res.status(status).render('account/two-factor', { ...page, on: false, secret, qr });
}

export interface ResetPage {
  status?: number;
  token: string;
  person: { name: string; email: string };
  errors?: Errors;
}

/** The form a sign-in link opens: the person chooses their password. */
export function renderReset(
  res: Response,
  { status = 200, token, person, errors = {} }: ResetPage,
) {
  res.status(status).render('account/reset', {
    title: 'Choose your password',
    token,
    person,
    errors,
    minLength: PASSWORD_MIN_LENGTH,
  });
}

export function renderInvalidLink(res: Response): void {
  res
    .status(404)
    .render('account/link-invalid', { title: 'Link not valid', message: LINK_INVALID });
}
