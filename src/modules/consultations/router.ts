import { Router } from 'express';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, STAFF, requireRole } from '../../http/guards.js';
import { noStore } from '../../privacy/index.js';
import {
  assignAction,
  createAction,
  markPaidAction,
  medicalAction,
  moveAction,
  requestPaymentAction,
  startAction,
} from './actions.js';
import { exportCsv, listPage, newPage, rowPage, showPage } from './pages.js';

export function consultationsRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/', requireRole(...ALL_ROLES), listPage(ctx));
  r.get('/export.csv', requireRole(...STAFF), exportCsv(ctx));
  r.get('/new', requireRole(...STAFF), newPage(ctx));
  r.post('/', requireRole(...STAFF), createAction(ctx));
  r.get('/:id', requireRole(...ALL_ROLES), noStore, showPage(ctx));
  r.get('/:id/row', requireRole(...ALL_ROLES), rowPage(ctx));
  r.post('/:id/status', requireRole(...ALL_ROLES), moveAction(ctx));
  r.post('/:id/start', requireRole(...ALL_ROLES), startAction(ctx));
  r.post('/:id/assign', requireRole(...STAFF), assignAction(ctx));
  r.post('/:id/request-payment', requireRole(...STAFF), requestPaymentAction(ctx));
  r.post('/:id/mark-paid', requireRole(...STAFF), markPaidAction(ctx));
  r.post('/:id/medical', requireRole('doctor'), noStore, medicalAction(ctx));
  return r;
}
