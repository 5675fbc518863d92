import { z } from 'zod';
import { versionField } from '../../http/params.js';
import type { TicketPriority } from '../../generated/prisma/enums.js';

export const PRIORITIES: TicketPriority[] = ['urgent', 'high', 'medium', 'low'];
/** Up to 90 days: anything longer is not a service level. */
export const MAX_MINUTES = 90 * 24 * 60;

const minutes = (label: string) =>
  z.coerce
    .number({ error: `Enter the ${label} in minutes.` })
    .int(`Enter the ${label} in whole minutes.`)
    .min(1, `The ${label} must be at least 1 minute.`)
    .max(MAX_MINUTES, `The ${label} can be at most ${MAX_MINUTES} minutes (90 days).`);

const row = z
  .object({
    firstResponseMins: minutes('first-response target'),
    resolutionMins: minutes('resolution target'),
    version: versionField,
  })
  .refine((value) => value.resolutionMins >= value.firstResponseMins, {
    path: ['resolutionMins'],
    message: 'Resolution cannot be due before the first response.',
  });

/** One row per priority, posted as urgent.firstResponseMins, urgent.resolutionMins, urgent.version, … */
export const targetsForm = z.object(
  Object.fromEntries(PRIORITIES.map((p) => [p, row])) as Record<TicketPriority, typeof row>,
);
export type TargetsInput = z.infer<typeof targetsForm>;

/** Flat form fields (`urgent.firstResponseMins`) to the nested shape the schema reads. */
export function nestTargets(
  body: Record<string, unknown>,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(body)) {
    const [priority, field] = key.split('.');
    if (field && (PRIORITIES as string[]).includes(priority)) (out[priority] ??= {})[field] = value;
  }
  return out;
}

/**
 * The posted form, read as TargetsInput. Errors are keyed by the form's own field names
 * (`urgent.resolutionMins`), so the page can show each next to its field.
 */
export const targetsBody = z.unknown().transform((body, ctx) => {
  const parsed = targetsForm.safeParse(nestTargets((body ?? {}) as Record<string, unknown>));
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.addIssue({ code: 'custom', message: issue.message, path: [issue.path.join('.')] });
  return z.NEVER;
});
