import { z } from 'zod';
import { formKey, optionalDay } from '../../http/fields.js';
import { optionalId, requiredId, versionField } from '../../http/params.js';

export const CHANNELS = ['chat', 'call', 'email'] as const;
export const INTERACTION_STATUSES = ['active', 'pending', 'resolved'] as const;

/** Trimmed optional text; blank or missing → undefined. */
const optionalText = (max: number) =>
  z
    .preprocess(
      (v) => (typeof v === 'string' ? v.trim() : undefined),
      z.string().max(max).optional(),
    )
    .catch(undefined);

/** Parses a route id; anything that is not a plausible row id yields null (→ 404). */
export const listQuery = z.object({
  status: z.enum(INTERACTION_STATUSES).optional().catch(undefined),
  channel: z.enum(CHANNELS).optional().catch(undefined),
  scope: z.enum(['mine', 'all']).optional().catch(undefined),
  customer: optionalText(120),
  from: optionalDay,
  to: optionalDay,
});
export type ListQuery = z.infer<typeof listQuery>;

export const newQuery = z.object({
  customerId: optionalId,
  q: optionalText(120),
});

export const createForm = z.object({
  customerId: requiredId('Choose a customer.'),
  channel: z.enum(CHANNELS, { error: 'Choose a channel.' }),
  subject: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z.string().max(200, 'Keep the subject under 200 characters.'),
  ),
  idempotencyKey: formKey,
});
export type CreateInput = z.infer<typeof createForm>;

export const noteForm = z.object({
  body: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z
      .string()
      .min(1, 'Write the note before saving it.')
      .max(5000, 'Keep a note under 5,000 characters.'),
  ),
});

/** Pending / resume / end: the row version the page was rendered with (lost-update check). */
export const statusForm = z.object({ version: versionField });
