import { Router } from 'express';
import type { AppContext } from '../../context.js';
import { STAFF, requireRole } from '../../http/guards.js';
import { createFollowUpHandler } from '../follow-ups/router.js';
import {
  addEntryAction,
  assignTicketAction,
  bulkChangeAction,
  changeStatusAction,
  claimTicketAction,
  createTicketAction,
  editEntryAction,
  editTicketAction,
  mergeTicketAction,
  pickCannedReply,
} from './actions.js';
import {
  bulkResultPage,
  editPage,
  entryEditPage,
  exportCsvPage,
  listPage,
  newTicketPage,
  rowPage,
  showPage,
} from './pages.js';

export function ticketsRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/', requireRole(...STAFF), listPage(ctx));
  r.get('/new', requireRole(...STAFF), newTicketPage(ctx));
  r.get('/export.csv', requireRole(...STAFF), exportCsvPage(ctx));
  r.post('/bulk', requireRole(...STAFF), bulkChangeAction(ctx));
  r.get('/bulk', requireRole(...STAFF), bulkResultPage);
  r.post('/', requireRole(...STAFF), createTicketAction(ctx));
  r.get('/:id', requireRole(...STAFF), showPage(ctx));
  r.get('/:id/row', requireRole(...STAFF), rowPage(ctx));
  r.get('/:id/edit', requireRole(...STAFF), editPage(ctx));
  r.post('/:id/edit', requireRole(...STAFF), editTicketAction(ctx));
  r.post('/:id/claim', requireRole(...STAFF), claimTicketAction(ctx));
  r.post('/:id/assign', requireRole(...STAFF), assignTicketAction(ctx));
  r.post('/:id/status', requireRole(...STAFF), changeStatusAction(ctx));
  r.post('/:id/merge', requireRole(...STAFF), mergeTicketAction(ctx));
  r.post('/:id/follow-ups', requireRole(...STAFF), createFollowUpHandler(ctx.db, 'ticket'));
  r.post('/:id/entries', requireRole(...STAFF), pickCannedReply(ctx), addEntryAction(ctx));
  r.get('/:id/entries/:entryId/edit', requireRole(...STAFF), entryEditPage(ctx));
  r.post('/:id/entries/:entryId/edit', requireRole(...STAFF), editEntryAction(ctx));
  return r;
}
