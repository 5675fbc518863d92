import { z } from 'zod';
import { versionField } from '../../http/params.js';

export { fieldErrors } from '../../http/forms.js';

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
export const SNOOZE_HOURS = [1, 4, 24, 72] as const;

/** "Follow up at <date time> because <reason>"; times are entered and shown in UTC like the rest of the desk. */
export const followUpForm = z.object({
  dueAt: z.preprocess(
    (v) => (typeof v === 'string' && LOCAL_DATE_TIME.test(v) ? new Date(`${v}:00Z`) : undefined),
    z
      .date({ error: 'Choose the date and time to follow up.' })
      .refine((d) => !Number.isNaN(d.getTime()), 'Choose a real date.'),
  ),
  reason: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z
      .string()
      .min(1, 'Say why, so whoever picks it up knows.')
      .max(500, 'Keep the reason under 500 characters.'),
  ),
});
export type FollowUpInput = z.infer<typeof followUpForm>;

export const closeForm = z.object({ version: versionField });

export const snoozeForm = z.object({
  version: versionField,
  hours: z.preprocess(
    (v) => Number(v),
    z.union(
      SNOOZE_HOURS.map((h) => z.literal(h)),
      { error: 'Choose how long.' },
    ),
  ),
});
