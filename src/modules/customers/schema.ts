import { z } from 'zod';
import { optionalEnum, searchText } from '../../http/fields.js';
import { versionField } from '../../http/params.js';
import { interactionContext } from '../interactions/verification-schema.js';
import { pageQuery } from '../../http/pagination.js';
import { normalisePhone, PHONE_INVALID } from '../../lib/phone.js';

export const ACTIVITIES = ['active', 'new', 'inactive'] as const;
export type Activity = (typeof ACTIVITIES)[number];

export const listQuery = z.object({
  q: searchText,
  activity: optionalEnum(ACTIVITIES),
  sort: optionalEnum(['joined', 'recent'] as const),
  page: pageQuery,
});
export type ListQuery = z.infer<typeof listQuery>;

export const revealForm = z.object({
  reason: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z
      .string()
      .min(10, 'Give a reason of at least 10 characters')
      .max(500, 'Keep the reason under 500 characters'),
  ),
  returnTo: z
    .string()
    .regex(/^\/consultations\/\d{1,10}$/)
    .optional()
    .catch(undefined),
});

export const ADDRESS_MAX = 500;

const trimmedText = (max: number, label: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z.string().max(max, `Keep the ${label} under ${max} characters.`),
  );

export const contactForm = z.object({
  phone: trimmedText(40, 'phone number')
    .pipe(z.string().min(1, 'Enter a phone number.'))
    .transform(
      (value, ctx) =>
        normalisePhone(value) ??
        (ctx.addIssue({ code: 'custom', message: PHONE_INVALID }), z.NEVER),
    ),
  email: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : ''),
    z
      .email({ error: 'Enter a valid email address.' })
      .max(254, 'Keep the email under 254 characters.'),
  ),
  address: trimmedText(ADDRESS_MAX, 'address'),
  interactionId: interactionContext,
  version: versionField,
});
export type ContactInput = z.infer<typeof contactForm>;
