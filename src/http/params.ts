import { z } from 'zod';
import { NotFoundError } from '../errors.js';

/** A positive PostgreSQL integer id, as found in a form field or a path. */
export const recordId = z.coerce.number().int().positive().max(2_147_483_647);

/** The `:id` of a path; anything that cannot be a record id is a 404, not a 500. */
export function routeId(value: unknown, message?: string): number {
  const parsed =
    typeof value === 'string' && /^\d{1,10}$/.test(value) ? recordId.safeParse(value) : undefined;
  if (!parsed?.success) throw new NotFoundError(message);
  return parsed.data;
}
