import { instantFromLocal } from '../../lib/time.js';
import { interactionContext } from '../interactions/verification-schema.js';
import { z } from 'zod';
import { blankToUndefined, optionalDay, optionalEnum, searchText } from '../../http/fields.js';
import {
  optionalId,
  recordId,
  requiredId,
  versionField,
  versionOrNone,
} from '../../http/params.js';

export const STATUSES = ['pending', 'scheduled', 'completed', 'cancelled'] as const;
export const PAYMENT_STATUSES = ['unpaid', 'pending', 'paid', 'refunded'] as const;
export const PAYMENT_MODELS = ['pay_first', 'pay_later'] as const;
export const MODES = ['voice', 'video', 'chat'] as const;

/** Keyset cursor "<ISO created_at>_<id>" for the next (older) page. */
const cursor = z
  .preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^(19|2\d)\d{2}-\d{2}-\d{2}T[\d:.]+Z_\d{1,10}$/)
      .optional(),
  )
  .catch(undefined)
  .transform((value) => {
    if (!value) return undefined;
    const [at, id] = value.split('_');
    const date = new Date(at);
    const n = Number(id);
    return Number.isNaN(date.getTime()) || n > 2_147_483_647
      ? undefined
      : { createdAt: date, id: n };
  });

export const listQuery = z.object({
  status: optionalEnum(STATUSES),
  paymentStatus: optionalEnum(PAYMENT_STATUSES),
  paymentModel: optionalEnum(PAYMENT_MODELS),
  mode: optionalEnum(MODES),
  doctorId: optionalId,
  from: optionalDay,
  to: optionalDay,
  mine: optionalEnum(['1', '0'] as const),
  q: searchText,
  f: z.unknown().optional(),
  after: cursor,
});
export type ListQuery = z.infer<typeof listQuery>;

/** A datetime-local value ("2026-12-01T10:00"), read in the viewer's zone. */
const dateTime = z
  .string()
  .regex(/^2\d{3}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'Enter a valid date and time')
  .transform((s) => instantFromLocal(s))
  .refine((d) => !Number.isNaN(d.getTime()), 'Enter a valid date and time');

const moneyMajor = z
  .string()
  .trim()
  .regex(/^\d{1,9}(\.\d{1,2})?$/, 'Enter an amount like 5000 or 5000.50')
  .transform((s) => Math.round(Number(s) * 100))
  .refine((n) => n > 0, 'Enter an amount above zero');

export const createForm = z
  .object({
    customerId: requiredId('Enter the customer number'),
    mode: z.enum(MODES, { message: 'Choose voice, video or chat' }),
    paymentModel: z.enum(PAYMENT_MODELS, { message: 'Choose pay first or pay later' }),
    amount: moneyMajor,
    scheduledFor: z.preprocess(blankToUndefined, dateTime.optional()),
    doctor: z.preprocess(blankToUndefined, z.union([z.literal('auto'), recordId]).optional()),
    paymentConfirmation: z.preprocess(
      blankToUndefined,
      z
        .string()
        .trim()
        .min(4, 'Enter the payment confirmation (at least 4 characters)')
        .max(100)
        .optional(),
    ),
    idempotencyKey: z.preprocess(blankToUndefined, z.string().uuid().optional()),
    interactionId: interactionContext,
  })
  .superRefine((value, ctx) => {
    if (value.paymentModel === 'pay_first' && !value.paymentConfirmation) {
      ctx.addIssue({
        code: 'custom',
        path: ['paymentConfirmation'],
        message: 'Pay-first consultations need the payment confirmation before they can be booked',
      });
    }
  });
export type CreateInput = z.infer<typeof createForm>;

export const versionForm = z.object({ version: versionField });

export const transitionForm = versionForm.extend({
  to: z.enum(STATUSES),
  cancelReason: z.preprocess(blankToUndefined, z.string().trim().max(500).optional()),
  scheduledFor: z.preprocess(blankToUndefined, dateTime.optional()).catch(undefined),
  interactionId: interactionContext,
});

export const assignForm = versionForm.extend({
  doctor: z.union([z.literal('auto'), recordId]),
});

const medicalText = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
  z.string().max(5000, 'Keep this under 5000 characters').nullable(),
);
export const medicalForm = z.object({
  version: versionOrNone,
  presentingComplaint: medicalText,
  medicalHistory: medicalText,
  diagnosis: medicalText,
  treatmentPlan: medicalText,
  prescribedMedication: medicalText,
  followUpInstructions: medicalText,
});
