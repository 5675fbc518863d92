import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../errors.js';
import type { BulkRequest } from './schema.js';
import { assignTicket, changeStatus, setPriority } from './service.js';

export interface BulkRow {
  id: number;
  number: string;
  reason?: string;
}

export interface BulkResult {
  action: BulkRequest['action'];
  label: string;
  changed: BulkRow[];
  skipped: BulkRow[];
}

export const SKIP_REASONS = {
  stale: 'changed by someone else since you loaded the list',
  gone: 'no longer exists',
} as const;

function describe(request: BulkRequest, assigneeName: string | null): string {
  if (request.action === 'assign')
    return request.value === null ? 'Unassign' : `Assign to ${assigneeName ?? 'someone'}`;
  if (request.action === 'priority') return `Set priority ${request.value}`;
  return `Set status ${request.value}`;
}

/** Why a row was left alone, from the refusal its single-ticket action raised. */
function reasonOf(error: unknown): string {
  if (error instanceof ConflictError) return SKIP_REASONS.stale;
  if (error instanceof NotFoundError) return SKIP_REASONS.gone;
  if (error instanceof ForbiddenError) return `not allowed: ${error.message}`;
  if (error instanceof TransitionError) return `illegal transition: ${error.message}`;
  if (error instanceof ValidationError) return error.message;
  throw error;
}

/**
 * Applies one action to each selected ticket on its own: every row is checked against the version
 * the list showed and written in its own transaction, so a row is either fully changed or untouched.
 */
export async function bulkUpdate(
  db: Db,
  actor: Actor,
  request: BulkRequest,
  now = new Date(),
): Promise<BulkResult> {
  const rows = await db.supportTicket.findMany({
    where: { id: { in: request.ids } },
    select: { id: true, number: true, assigneeId: true, priority: true },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const assignee =
    request.action === 'assign' && request.value !== null
      ? await db.user.findUnique({ where: { id: request.value }, select: { name: true } })
      : null;
  const result: BulkResult = {
    action: request.action,
    label: describe(request, assignee?.name ?? null),
    changed: [],
    skipped: [],
  };
  for (const id of request.ids) {
    const row = byId.get(id);
    const version = request.versions.get(id);
    if (!row) {
      result.skipped.push({ id, number: `#${id}`, reason: SKIP_REASONS.gone });
      continue;
    }
    const entry = { id, number: row.number };
    if (version === undefined) {
      result.skipped.push({ ...entry, reason: SKIP_REASONS.stale });
      continue;
    }
    try {
      if (request.action === 'assign') {
        if (row.assigneeId === request.value)
          throw new ValidationError(
            request.value ? 'already assigned to them' : 'already unassigned',
          );
        await assignTicket(db, actor, id, { assigneeId: request.value, version, now });
      } else if (request.action === 'priority') {
        await setPriority(db, actor, id, { priority: request.value, version });
      } else {
        await changeStatus(db, actor, id, { to: request.value, version, now });
      }
      result.changed.push(entry);
    } catch (error) {
      result.skipped.push({ ...entry, reason: reasonOf(error) });
    }
  }
  return result;
}
