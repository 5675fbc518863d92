import { z } from 'zod';

export const VERIFY_METHODS = ['dob_phone', 'email', 'callback'] as const;

const text = (max: number) =>
  z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().max(max));

/** The caller's answers, one shape per method; only compared, never stored. */
export const answerForm = z.discriminatedUnion(
  'method',
  [
    z.object({
      method: z.literal('dob_phone'),
      dateOfBirth: text(10).pipe(
        z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date of birth the caller gives'),
      ),
      phoneLast4: text(4).pipe(
        z.string().regex(/^\d{4}$/, 'Enter the last four digits of the phone number'),
      ),
    }),
    z.object({
      method: z.literal('email'),
      email: text(254).pipe(z.string().min(3, 'Enter the email address the caller gives')),
    }),
    z.object({
      method: z.literal('callback'),
      numberCalled: text(40).pipe(z.string().min(4, 'Enter the number you called back')),
      reached: z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean()),
    }),
  ],
  { error: 'Choose how the caller was verified' },
);
export type AnswerInput = z.infer<typeof answerForm>;

export const overrideForm = z.object({
  reason: text(500).pipe(
    z.string().min(10, 'Give the reason for the override (at least 10 characters)'),
  ),
});

/** The interaction a caller-facing action is taken from, when there is one. */
export const interactionContext = z.preprocess(
  (v) => (v === '' || v === undefined || v === null ? undefined : v),
  z.coerce.number().int().positive().max(2_147_483_647).optional(),
);
