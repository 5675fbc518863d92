import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { blankToUndefined } from './fields.js';

/** A positive PostgreSQL integer id, as found in a form field or a path. */
export const recordId = z.coerce.number().int().positive().max(2_147_483_647);

/** The `:id` of a path; anything that cannot be a record id is a 404, not a 500. */
export function routeId(value: unknown, message?: string): number {
  const parsed =
    typeof value === 'string' && /^\d{1,10}$/.test(value) ? recordId.safeParse(value) : undefined;
  if (!parsed?.success) throw new NotFoundError(message);
  return parsed.data;
}

/** An optional id filter or link (`?customerId=`): blank or not an id reads as "none given". */
export const optionalId = z.preprocess(blankToUndefined, recordId.optional()).catch(undefined);

/** A required id chosen in a form (a customer, a doctor); anything else gets `message`. */
export const requiredId = (message: string) =>
  z.preprocess(
    blankToUndefined,
    z.coerce.number({ error: message }).int(message).positive(message).max(2_147_483_647, message),
  );

const STALE_FORM = 'This form is out of date: reload the page and try again.';

/** The row version a form was rendered with, sent back for the lost-update check. */
export const versionField = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*\d{1,10}\s*$/.test(value) ? Number(value) : value),
  z.number({ error: STALE_FORM }).int(STALE_FORM).min(1, STALE_FORM).max(2_147_483_647, STALE_FORM),
);

/** The version of a record that may not be saved yet (a consultation's medical notes): 0 = none. */
export const versionOrNone = z.union([z.literal('0').transform(() => 0), versionField]);
