import { z } from 'zod';
import { isTimeZone } from '../../lib/time.js';

export const TIME_ZONE_INVALID = 'Choose a time zone from the list (an IANA name such as Africa/Lagos).';

/** '' follows the installation's zone; anything else must be an IANA name this runtime knows. */
export const timeZoneForm = z.object({
  timeZone: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z.string().refine((v) => v === '' || isTimeZone(v), TIME_ZONE_INVALID),
  ),
});
