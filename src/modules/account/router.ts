import { Router } from 'express';
import { RESET_PATH } from '../../auth/reset-links.js';
import { ENROL_PATH } from '../../auth/two-factor-policy.js';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import {
  confirmTwoFactor,
  endOneSession,
  endOtherSessions,
  removeTwoFactor,
  saveAvailability,
  saveTimeZone,
  showAccount,
  showReset,
  showTwoFactor,
  submitReset,
  updatePassword,
} from './handlers.js';

/** One's own account: password, sessions, availability, time zone, two-factor; sign-in links. */
export function accountRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/account', requireRole(...ALL_ROLES), showAccount(ctx));
  r.post('/account/password', requireRole(...ALL_ROLES), updatePassword(ctx));
  r.post('/account/sessions/end', requireRole(...ALL_ROLES), endOneSession(ctx));
  r.post('/account/sessions/end-others', requireRole(...ALL_ROLES), endOtherSessions(ctx));
  r.post('/account/availability', requireRole('doctor'), saveAvailability(ctx));
  r.post('/account/time-zone', requireRole(...ALL_ROLES), saveTimeZone(ctx));
  r.get(ENROL_PATH, requireRole(...ALL_ROLES), showTwoFactor(ctx));
  r.post(ENROL_PATH, requireRole(...ALL_ROLES), confirmTwoFactor(ctx));
  r.post(`${ENROL_PATH}/remove`, requireRole(...ALL_ROLES), removeTwoFactor(ctx));
  // Public: the person following a sign-in link is not signed in yet.
  r.get(`${RESET_PATH}/:token`, showReset(ctx));
  r.post(`${RESET_PATH}/:token`, submitReset(ctx));
  return r;
}
