import { Router } from 'express';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, requireRole, STAFF } from '../../http/guards.js';
import { noStore } from '../../privacy/index.js';
import {
  removePhotoAction,
  revealAction,
  saveContactAction,
  uploadPhotoAction,
} from './actions.js';
import { contactPage, exportCsv, listPage, photoFile, photoPage, showPage } from './pages.js';

export function customersRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/', requireRole(...ALL_ROLES), listPage(ctx));
  r.get('/export.csv', requireRole(...ALL_ROLES), exportCsv(ctx));
  r.get('/:id', requireRole(...ALL_ROLES), noStore, showPage(ctx));
  r.post('/:id/reveal', requireRole('doctor'), noStore, revealAction(ctx));
  r.get('/:id/photo', requireRole(...ALL_ROLES), photoFile(ctx));
  r.get('/:id/photo/edit', requireRole(...STAFF), photoPage(ctx));
  r.post('/:id/photo', requireRole(...STAFF), uploadPhotoAction(ctx));
  r.post('/:id/photo/remove', requireRole(...STAFF), removePhotoAction(ctx));
  r.get('/:id/contact', requireRole(...STAFF), noStore, contactPage(ctx));
  r.post('/:id/contact', requireRole(...STAFF), noStore, saveContactAction(ctx));
  return r;
}
