import { z } from 'zod';
import { optionalId } from '../../http/params.js';

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optionalDate = z
  .preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^(19|2\d)\d{2}-\d{2}-\d{2}$/)
      .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().slice(0, 10) === s)
      .optional(),
  )
  .catch(undefined);

export const auditQuery = z.object({
  userId: optionalId,
  customerId: optionalId,
  action: z
    .preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[a-z_]{1,40}$/)
        .optional(),
    )
    .catch(undefined),
  from: optionalDate,
  to: optionalDate,
  /** Keyset cursor: the id of the last row shown (ids grow with time in this append-only table). */
  before: z
    .preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^\d{1,18}$/)
        .optional(),
    )
    .catch(undefined),
});
export type AuditQuery = z.infer<typeof auditQuery>;

const strictDate = z
  .string()
  .regex(/^(19|2\d)\d{2}-\d{2}-\d{2}$/, 'Dates are YYYY-MM-DD.')
  .refine(
    (s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().slice(0, 10) === s,
    'Not a calendar date.',
  );

/** Export filters: refused when malformed rather than ignored, so a typo never exports everything. */
export const exportQuery = z.object({
  from: z.preprocess(blankToUndefined, strictDate.optional()),
  to: z.preprocess(blankToUndefined, strictDate.optional()),
  patient: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ message: 'patient is a customer number.' })
      .int()
      .positive()
      .max(2_147_483_647)
      .optional(),
  ),
});
export type ExportQuery = z.infer<typeof exportQuery>;

/** A reveal review's comment: anything longer than the column is cut, not refused. */
export const reviewForm = z.object({
  comment: z
    .string()
    .catch('')
    .transform((comment) => comment.slice(0, 1000)),
});
