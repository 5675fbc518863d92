import type { Request } from 'express';
import { z } from 'zod';
import { actorOf } from '../../auth/actor.js';
import type { AppContext } from '../../context.js';
import { ValidationError } from '../../errors.js';
import { formAction } from '../../http/outcome.js';
import { routeId } from '../../http/params.js';
import { when } from '../../lib/format.js';
import { revealMedical, viewContext } from '../../privacy/index.js';
import { correctContact, getContact, type Contact } from './contact.js';
import { renderContact, renderPhotoForm, renderProfile } from './pages.js';
import { preparePhoto, removeCustomerPhoto, saveCustomerPhoto } from './photo.js';
import { contactForm, revealForm } from './schema.js';
import { getCustomer } from './service.js';

// The customer form actions (POST handlers), each told as its outcomes through formAction.

type Ctx = Pick<AppContext, 'db' | 'pool' | 'config'>;

const idOf = (req: Request) => routeId(req.params.id);
const firstError = (errors: Record<string, string>) => Object.values(errors)[0];
/** The photo forms carry no field of their own (the file is read by photo-upload.ts). */
const noFields = z.object({});

export function revealAction(ctx: Ctx) {
  return formAction({
    schema: revealForm,
    run: async ({ reason, returnTo }, req) => {
      const minutes = ctx.config.MEDICAL_REVEAL_MINUTES;
      const view = viewContext(req);
      const { expiresAt } = await revealMedical(
        ctx.db,
        actorOf(req),
        { customerId: idOf(req), reason, minutes },
        view,
      );
      const message = `Medical details revealed until ${when(expiresAt)}. This is recorded.`;
      return { message, to: returnTo ?? `/customers/${idOf(req)}`, kind: 'info' };
    },
    invalid: (req, res, errors) => {
      const typed = typeof req.body?.reason === 'string' ? req.body.reason.slice(0, 500) : '';
      const error = firstError(errors) ?? 'Give a reason';
      return renderProfile(ctx, req, res, { status: 422, reveal: { error, reason: typed } });
    },
  });
}

export function uploadPhotoAction(ctx: Ctx) {
  return formAction({
    schema: noFields,
    run: async (_input, req) => {
      if (req.photoUploadError) throw new ValidationError(req.photoUploadError);
      const photo = await preparePhoto(req.file?.buffer);
      await saveCustomerPhoto(ctx.db, actorOf(req), idOf(req), photo);
      return { message: 'Photo saved.', to: `/customers/${idOf(req)}` };
    },
    invalid: (req, res, errors) => renderPhotoForm(ctx, req, res, firstError(errors)),
  });
}

export function removePhotoAction(ctx: Ctx) {
  return formAction({
    schema: noFields,
    run: async (_input, req) => {
      await getCustomer(ctx.db, idOf(req));
      await removeCustomerPhoto(ctx.db, actorOf(req), idOf(req));
      return { message: 'Photo removed.', to: `/customers/${idOf(req)}` };
    },
  });
}

/** The contact form's fields as typed, so a refused correction keeps them. */
function typedContact(req: Request): Record<string, string> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const fields = ['phone', 'email', 'address', 'version', 'interactionId'];
  return Object.fromEntries(fields.map((k) => [k, typeof body[k] === 'string' ? body[k] : '']));
}

export function saveContactAction(ctx: Ctx) {
  return formAction({
    schema: contactForm,
    run: async (input, req) => {
      const correction = { customerId: idOf(req), input, ip: req.ip };
      const changed = await correctContact(ctx.db, actorOf(req), correction);
      const to = `/customers/${idOf(req)}`;
      return changed.length
        ? { message: `Corrected: ${changed.join(', ')}.`, to }
        : { message: 'Nothing changed.', to, kind: 'info' };
    },
    invalid: async (req, res, errors) =>
      renderContact(res, await getContact(ctx.db, idOf(req)), {
        values: typedContact(req),
        errors,
      }),
    // The caller is not verified yet: the form again, so the correction can go ahead once they are.
    forbidden: async (req, res, error) =>
      renderContact(res, await getContact(ctx.db, idOf(req)), {
        values: typedContact(req),
        refused: error.message,
      }),
    // Both versions side by side: what is saved now, and what was typed (to save over it).
    conflict: (req, res, error) => {
      const saved = error.current as Contact;
      const values = { ...typedContact(req), version: String(saved.version) };
      return renderContact(res, saved, { values, saved, message: error.message });
    },
  });
}
