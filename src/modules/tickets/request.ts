import type { Request } from 'express';
import { routeId } from '../../http/params.js';

/** What a person typed into a form, field by field, to show it again. */
export type FormValues = Record<string, string>;

export function idOf(req: Request): number {
  return routeId(req.params.id, 'No such ticket.');
}

export function entryIdsOf(req: Request): { ticketId: number; entryId: number } {
  return { ticketId: idOf(req), entryId: routeId(req.params.entryId, 'No such entry.') };
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The named fields of the posted form, as typed (anything that is not text reads as blank). */
export function formValues(req: Request, keys: readonly string[]): FormValues {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, str(body[k])]));
}

/** The list the user came from (only ever a /tickets list, so it cannot send them off-site). */
export function backTo(req: Request): string {
  const raw = str((req.body as Record<string, unknown> | undefined)?.back) || str(req.query.back);
  return /^\/tickets(\?[^\s]*)?$/.test(raw) ? raw : '/tickets';
}
