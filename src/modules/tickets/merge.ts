import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { epochMs, jsonList } from '../../db/json-select.js';
import type { TicketStatus } from '../../generated/prisma/enums.js';
import { ConflictError, NotFoundError, TransitionError, ValidationError } from '../../errors.js';
import { recordChanges } from './history.js';
import { assertCanAct } from './policy.js';

export const MERGE_MESSAGES = {
  self: 'Choose another ticket to merge into.',
  otherCustomer: 'Only tickets of the same customer can be merged.',
  merged: 'That ticket was already merged into another one.',
  stale: 'Someone changed this ticket since you loaded it; check it and merge again.',
} as const;

const MERGE_FIELDS = {
  id: true,
  number: true,
  customerId: true,
  status: true,
  assigneeId: true,
  version: true,
  pendingSince: true,
} as const;

function pausedUntil(since: Date | null, now: Date): number {
  return since ? Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000)) : 0;
}

/**
 * The same customer's other live tickets that ticket `t` could be merged into, newest first, as a
 * JSON array for the ticket page's one statement; `mergeCandidateOf` reads each element.
 */
export const MERGE_CANDIDATES_JSON = jsonList(`
  SELECT json_agg(json_build_object(
           'id', o.id, 'number', o.number, 'subject', o.subject, 'status', o.status,
           'createdAt', o.created_at_ms) ORDER BY o.created_at DESC, o.id DESC)
    FROM (SELECT o.id, o.number, o.subject, o.status, o.created_at,
                 ${epochMs('o.created_at')} AS created_at_ms
            FROM support_tickets o
           WHERE o.customer_id = t.customer_id AND o.id <> t.id AND o.status <> 'merged'
           ORDER BY o.created_at DESC, o.id DESC LIMIT 50) o`);

export interface MergeCandidateJson {
  id: number;
  number: string;
  subject: string;
  status: TicketStatus;
  createdAt: number;
}

export const mergeCandidateOf = (o: MergeCandidateJson) => ({
  ...o,
  createdAt: new Date(o.createdAt),
});

type MergeSide = NonNullable<Awaited<ReturnType<typeof loadSide>>>;
type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

function loadSide(db: Db, id: number) {
  return db.supportTicket.findUnique({ where: { id }, select: MERGE_FIELDS });
}

function refuseInto(message: string): never {
  throw new ValidationError(message, { intoId: message });
}

/** Both tickets exist, belong to one customer, are still live, and this person may act on both. */
function assertMergeable(
  actor: Actor,
  [duplicate, survivor]: [MergeSide | null, MergeSide | null],
): { duplicate: MergeSide; survivor: MergeSide } {
  if (!duplicate) throw new NotFoundError('No such ticket.');
  if (!survivor) refuseInto('That ticket does not exist.');
  if (duplicate.customerId !== survivor.customerId) refuseInto(MERGE_MESSAGES.otherCustomer);
  if (duplicate.status === 'merged' || survivor.status === 'merged')
    throw new TransitionError(MERGE_MESSAGES.merged);
  assertCanAct(actor, duplicate);
  assertCanAct(actor, survivor);
  return { duplicate, survivor };
}

interface MergeWrite {
  actor: Actor;
  duplicate: MergeSide;
  survivor: MergeSide;
  now: Date;
}

/** Re-checked under row locks: neither was merged meanwhile, and the duplicate is as loaded. */
async function assertUnchangedLocked(
  tx: Tx,
  { duplicate, survivor }: MergeWrite,
  version: number,
): Promise<void> {
  // Both rows locked in id order, so opposite merges of the same pair cannot both succeed.
  const locked = await tx.$queryRaw<{ id: number; status: string; version: number }[]>`
    SELECT id, status::text AS status, version FROM support_tickets
     WHERE id IN (${duplicate.id}, ${survivor.id}) ORDER BY id FOR UPDATE`;
  const current = new Map(locked.map((r) => [r.id, r]));
  if ([...current.values()].some((r) => r.status === 'merged'))
    throw new TransitionError(MERGE_MESSAGES.merged);
  if (current.get(duplicate.id)?.version !== version)
    throw new ConflictError(MERGE_MESSAGES.stale, null);
}

async function foldDuplicate(tx: Tx, { duplicate, survivor, now }: MergeWrite): Promise<void> {
  await tx.supportTicket.update({
    where: { id: duplicate.id },
    data: {
      status: 'merged',
      mergedIntoId: survivor.id,
      mergedAt: now,
      version: { increment: 1 },
      // A pending duplicate's current pause is closed like any other, so its stopped clock adds up.
      pendingSince: null,
      pausedSeconds: { increment: pausedUntil(duplicate.pendingSince, now) },
    },
  });
  await tx.supportTicket.updateMany({
    where: { mergedIntoId: duplicate.id },
    data: { mergedIntoId: survivor.id },
  });
}

async function recordMerge(tx: Tx, { actor, duplicate, survivor }: MergeWrite): Promise<void> {
  await recordChanges(tx, actor.id, [
    { ticketId: duplicate.id, field: 'status', from: duplicate.status, to: 'merged' },
    { ticketId: duplicate.id, field: 'merged_into', from: null, to: survivor.number },
    { ticketId: survivor.id, field: 'merged_from', from: null, to: duplicate.number },
  ]);
}

/**
 * Folds a duplicate into a survivor of the same customer. The duplicate becomes `merged` and links
 * to the survivor, whose page then shows both threads; the survivor's own fields (and so its SLA
 * clock) are left exactly as they were. Both tickets record the merge in their history.
 */
export async function mergeTickets(
  db: Db,
  actor: Actor,
  input: { duplicateId: number; survivorId: number; version: number },
  now = new Date(),
) {
  if (input.duplicateId === input.survivorId) refuseInto(MERGE_MESSAGES.self);
  const pair = await Promise.all([loadSide(db, input.duplicateId), loadSide(db, input.survivorId)]);
  const { duplicate, survivor } = assertMergeable(actor, pair);
  const write: MergeWrite = { actor, duplicate, survivor, now };
  await db.$transaction(async (tx) => {
    await assertUnchangedLocked(tx, write, input.version);
    await foldDuplicate(tx, write);
    await recordMerge(tx, write);
  });
  return {
    survivorId: survivor.id,
    survivorNumber: survivor.number,
    duplicateNumber: duplicate.number,
  };
}
