import { z } from 'zod';
import { optionalId, requiredId, versionField } from '../../http/params.js';
import { pageQuery } from '../../http/pagination.js';

/** `/escalations/new?ticketId=…` — exactly one source. */
export const sourceQuery = z
  .object({ ticketId: optionalId, interactionId: optionalId, consultationId: optionalId })
  .refine(
    (value) =>
      [value.ticketId, value.interactionId, value.consultationId].filter((id) => id !== undefined)
        .length === 1,
    {
      message: 'Raise an escalation from exactly one ticket, interaction or consultation.',
    },
  );
export type SourceRef = z.infer<typeof sourceQuery>;

export const TARGET_TYPES = ['admin', 'doctor'] as const;
export const TICKET_RETURN_STATUSES = ['pending', 'resolved'] as const;

export const REASON_MIN = 10;
export const REASON_MAX = 1000;
export const OUTCOME_MIN = 3;
export const OUTCOME_MAX = 2000;

/** NUL bytes (which PostgreSQL text refuses) are dropped from every text input. */
const trimmed = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim() : value),
  z.string({ error: 'Required.' }),
);

/** The raise form (sources come back as hidden fields). */
export const raiseForm = z.object({
  targetType: z.enum(TARGET_TYPES, { error: 'Choose admin or doctor.' }),
  targetUserId: requiredId('Choose who should receive it.'),
  reason: trimmed.pipe(
    z
      .string()
      .min(REASON_MIN, `Give a reason of at least ${REASON_MIN} characters.`)
      .max(REASON_MAX, `Keep the reason under ${REASON_MAX} characters.`),
  ),
  idempotencyKey: z.string().trim().min(8).max(100).optional().catch(undefined),
});
export type RaiseInput = z.infer<typeof raiseForm> & { targetUserId: number };

export const takeForm = z.object({ version: versionField });

const outcomeRequired = trimmed.pipe(
  z
    .string()
    .min(OUTCOME_MIN, `Describe the outcome in at least ${OUTCOME_MIN} characters.`)
    .max(OUTCOME_MAX, `Keep the outcome under ${OUTCOME_MAX} characters.`),
);

const ticketStatusField = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.enum(TICKET_RETURN_STATUSES, { error: 'Choose pending or resolved.' }).optional(),
);

export const resolveForm = z.object({
  version: versionField,
  outcome: outcomeRequired,
  ticketStatus: ticketStatusField,
});
export type ResolveInput = z.infer<typeof resolveForm>;

export const closeForm = z.object({
  version: versionField,
  outcome: z.preprocess(
    (value) =>
      typeof value === 'string' && value.trim() === ''
        ? undefined
        : typeof value === 'string'
          ? value.trim()
          : value,
    z.string().max(OUTCOME_MAX, `Keep the outcome under ${OUTCOME_MAX} characters.`).optional(),
  ),
  ticketStatus: ticketStatusField,
});
export type CloseInput = z.infer<typeof closeForm>;

/** List filters: unknown values are ignored rather than refused. */
export const listQuery = z.object({
  status: z.enum(['pending', 'in_progress', 'resolved', 'closed']).optional().catch(undefined),
  target: z.enum(TARGET_TYPES).optional().catch(undefined),
  stale: z.literal('1').optional().catch(undefined),
  scope: z.enum(['mine', 'all']).optional().catch(undefined),
  page: pageQuery,
});
export type ListQuery = z.infer<typeof listQuery>;

export { fieldErrors as fieldErrorsOf } from '../../http/forms.js';
