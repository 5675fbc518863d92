import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from '../../auth/password-policy.js';
import { isTimeZone } from '../../lib/time.js';

const secret = z
  .string()
  .max(PASSWORD_MAX_LENGTH * 4)
  .catch('');

export const changePasswordForm = z.object({ current: secret, password: secret, confirm: secret });
export type ChangePasswordInput = z.infer<typeof changePasswordForm>;

export const newPasswordForm = z.object({ password: secret, confirm: secret });
export type NewPasswordInput = z.infer<typeof newPasswordForm>;

/** A session handle as listed on the account page (a hex digest prefix). */
export const endSessionForm = z.object({
  session: z.string().regex(/^[0-9a-f]{32}$/, 'Choose a session from the list.'),
});

export const availabilityForm = z.object({
  available: z.enum(['1', '0'], { error: 'Choose available or away.' }).transform((v) => v === '1'),
});

/** Two-factor enrolment: the secret shown on the page (base32, 160 bits) and the app's code. */
export const enrolForm = z.object({
  secret: z.string().regex(/^[A-Z2-7]{32}$/),
  code: z.string().trim().max(20),
});

export const TIME_ZONE_INVALID =
  'Choose a time zone from the list (an IANA name such as Africa/Lagos).';

/** '' follows the installation's zone; anything else must be an IANA name this runtime knows. */
export const timeZoneForm = z.object({
  timeZone: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z.string().refine((v) => v === '' || isTimeZone(v), TIME_ZONE_INVALID),
  ),
});

/** Turning two-factor off: the account's password, typed again. */
export const removeTwoFactorForm = z.object({ password: z.string().catch('') });

/** A button with no fields of its own (the CSRF token is checked before). */
export const buttonForm = z.object({});
