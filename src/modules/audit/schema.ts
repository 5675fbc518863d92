import { z } from 'zod';
import { blankToUndefined, calendarDay, optionalDay } from '../../http/fields.js';
import { optionalId } from '../../http/params.js';

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
  from: optionalDay,
  to: optionalDay,
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

/** Export filters: refused when malformed rather than ignored, so a typo never exports everything. */
export const exportQuery = z.object({
  from: z.preprocess(blankToUndefined, calendarDay.optional()),
  to: z.preprocess(blankToUndefined, calendarDay.optional()),
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
