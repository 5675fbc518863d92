import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { actorOf } from '../../auth/actor.js';
import type { AppContext } from '../../context.js';
import type { ConflictError } from '../../errors.js';
import { formAction } from '../../http/outcome.js';
import { routeId } from '../../http/params.js';
import {
  CONSULTATION_MEDICAL_FIELDS,
  saveConsultationMedical,
  viewContext,
  type MedicalConflict,
} from '../../privacy/index.js';
import { assignDoctor } from './assignment.js';
import { createConsultation } from './booking.js';
import { startConsultation, transitionConsultation } from './moves.js';
import { renderNew, renderShow, type ShowAgain } from './pages.js';
import { markPaid, requestPayment } from './payments.js';
import { assignForm, createForm, medicalForm, transitionForm, versionForm } from './schema.js';
import { getConsultation } from './service.js';

// The consultation form actions (POST handlers), each told as its outcomes through formAction:
// a refused or stale action shows the consultation page again with what was typed in its form.

type Ctx = Pick<AppContext, 'db' | 'pool'>;

const idOf = (req: Request) => routeId(req.params.id);
const back = (req: Request, message: string) => ({ message, to: `/consultations/${idOf(req)}` });

/** What was typed in the page's status forms, so a refused move keeps it. */
function typedMove(req: Request): Pick<ShowAgain, 'cancelReason' | 'scheduledFor'> {
  const typed = (k: string) => (typeof req.body?.[k] === 'string' ? (req.body[k] as string) : '');
  return {
    cancelReason: typed('cancelReason').slice(0, 500),
    scheduledFor: typed('scheduledFor').slice(0, 40),
  };
}

/** The consultation page again, with why the action was refused and the input kept. */
function showRefused(ctx: Ctx, status: number) {
  return (req: Request, res: Response, refused: string) =>
    renderShow(ctx, req, res, { status, refused, ...typedMove(req) });
}

/** How every page action answers a bad form, a refused move and a stale version. */
function pageOutcomes(ctx: Ctx) {
  return {
    invalid: (req: Request, res: Response, errors: Record<string, string>) =>
      showRefused(ctx, 422)(req, res, Object.values(errors)[0] ?? 'That change is not possible.'),
    conflict: (req: Request, res: Response, error: ConflictError) =>
      showRefused(ctx, 409)(req, res, error.message),
  };
}

function bookingValues(req: Request): Record<string, unknown> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const key = body.idempotencyKey;
  return { ...body, idempotencyKey: typeof key === 'string' && key ? key : randomUUID() };
}

export function createAction(ctx: Ctx) {
  return formAction({
    schema: createForm,
    run: async (input, req) => {
      const { id, existing } = await createConsultation(ctx.db, actorOf(req), input);
      const to = `/consultations/${id}`;
      return existing
        ? { message: 'This consultation was already booked.', to, kind: 'info' }
        : { message: 'Consultation booked.', to };
    },
    invalid: (req, res, errors) =>
      renderNew(ctx, res, { status: 422, values: bookingValues(req), errors }),
    // The caller is not verified yet: the form again, so the booking can go ahead once they are.
    forbidden: (req, res, error) =>
      renderNew(ctx, res, {
        status: 403,
        values: bookingValues(req),
        errors: { interactionId: error.message },
      }),
  });
}

export function moveAction(ctx: Ctx) {
  return formAction({
    schema: transitionForm,
    run: async ({ interactionId, ...move }, req) => {
      await transitionConsultation(ctx.db, actorOf(req), { id: idOf(req), interactionId, ...move });
      const from = interactionId ? `?interaction=${interactionId}` : '';
      return { message: `Consultation ${move.to}.`, to: `/consultations/${idOf(req)}${from}` };
    },
    ...pageOutcomes(ctx),
    // Refused for the caller of an interaction: the page again, with the input kept. Any other
    // refusal (not this doctor's consultation) is the 403 error page.
    forbidden: (req, res, error) => {
      if (!req.body?.interactionId) throw error;
      return showRefused(ctx, 403)(req, res, error.message);
    },
  });
}

export function startAction(ctx: Ctx) {
  return formAction({
    schema: versionForm,
    run: async ({ version }, req) => {
      await startConsultation(ctx.db, actorOf(req), idOf(req), version);
      return back(req, 'Consultation started.');
    },
    ...pageOutcomes(ctx),
  });
}

export function assignAction(ctx: Ctx) {
  return formAction({
    schema: assignForm,
    run: async ({ doctor, version }, req) => {
      await assignDoctor(ctx.db, actorOf(req), { id: idOf(req), doctor, version });
      return back(req, 'Doctor assigned.');
    },
    ...pageOutcomes(ctx),
  });
}

export function requestPaymentAction(ctx: Ctx) {
  return formAction({
    schema: versionForm,
    run: async ({ version }, req) => {
      await requestPayment(ctx.db, actorOf(req), idOf(req), version);
      return back(req, 'Payment requested.');
    },
    ...pageOutcomes(ctx),
  });
}

export function markPaidAction(ctx: Ctx) {
  return formAction({
    schema: versionForm,
    run: async ({ version }, req) => {
      await markPaid(ctx.db, actorOf(req), idOf(req), version);
      return back(req, 'Payment recorded as paid.');
    },
    ...pageOutcomes(ctx),
  });
}

export function medicalAction(ctx: Ctx) {
  return formAction({
    schema: medicalForm,
    run: async ({ version, ...notes }, req) => {
      const c = await getConsultation(ctx.db, idOf(req));
      await saveConsultationMedical(
        ctx.db,
        actorOf(req),
        { consultation: c, input: notes, version },
        viewContext(req),
      );
      return back(req, 'Medical notes saved.');
    },
    // Both versions side by side: what is saved now, and what this doctor typed.
    conflict: async (req, res, error) => {
      const c = await getConsultation(ctx.db, idOf(req));
      const { version: _typedVersion, ...submitted } = medicalForm.parse(req.body ?? {});
      const conflict = error.current as MedicalConflict;
      res.render('consultations/medical-conflict', {
        title: 'Medical notes changed',
        c,
        fields: CONSULTATION_MEDICAL_FIELDS,
        submitted,
        current: conflict.current,
        version: conflict.version,
      });
    },
  });
}
