import type { Actor } from '../../auth/actor.js';
import { recordAudit } from '../../audit.js';
import type { Db } from '../../db/client.js';
import { ConflictError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { TicketPriority } from '../../generated/prisma/enums.js';
import { currentTargets, type TargetRow } from './queries.js';
import type { TargetsInput } from './schema.js';

export interface SaveOptions {
  ip?: string;
  now?: Date;
}

async function staleTargets(db: Db): Promise<ConflictError> {
  return new ConflictError(
    'Someone saved SLA targets while you were editing.',
    await currentTargets(db),
  );
}

/** The form was loaded with the versions now saved, for every priority. */
async function assertCurrentVersions(db: Db, current: TargetRow[], input: TargetsInput) {
  if (current.some((row) => row.version !== input[row.priority].version))
    throw await staleTargets(db);
}

const changedRows = (current: TargetRow[], input: TargetsInput) =>
  current.filter(
    (row) =>
      row.firstResponseMins !== input[row.priority].firstResponseMins ||
      row.resolutionMins !== input[row.priority].resolutionMins,
  );

interface TargetChange {
  actor: Actor;
  priority: TicketPriority;
  next: TargetsInput[TicketPriority];
  ip?: string;
  now: Date;
}

/** One priority's new target: the row (if still at the version read), its version, its audit. */
async function writeTarget(
  db: Db,
  tx: Prisma.TransactionClient,
  change: TargetChange,
): Promise<void> {
  const { actor, priority, next, ip, now } = change;
  const { count } = await tx.slaTarget.updateMany({
    where: { priority, version: next.version },
    data: {
      firstResponseMins: next.firstResponseMins,
      resolutionMins: next.resolutionMins,
      version: { increment: 1 },
    },
  });
  if (count !== 1) throw await staleTargets(db);
  await tx.slaTargetVersion.create({
    data: {
      priority,
      firstResponseMins: next.firstResponseMins,
      resolutionMins: next.resolutionMins,
      effectiveFrom: now,
      changedById: actor.id,
    },
  });
  await recordAudit(tx, {
    actor,
    action: 'sla_target_changed',
    recordType: 'sla_target',
    fieldGroup: priority,
    ip,
  });
}

/**
 * Saves new targets. Each change starts a new version effective now; a ticket is measured against
 * the version in force when it was created, so tickets already open keep the target they had.
 * Returns the priorities that changed.
 */
export async function saveTargets(
  db: Db,
  actor: Actor,
  input: TargetsInput,
  { ip, now = new Date() }: SaveOptions = {},
): Promise<TicketPriority[]> {
  const current = await currentTargets(db);
  await assertCurrentVersions(db, current, input);
  const changed = changedRows(current, input);
  if (!changed.length) return [];
  await db.$transaction(async (tx) => {
    for (const { priority } of changed)
      await writeTarget(db, tx, { actor, priority, next: input[priority], ip, now });
  });
  return changed.map((row) => row.priority);
}
