import type { Actor } from '../../auth/actor.js';
import { recordAudit } from '../../audit.js';
import type { Db } from '../../db/client.js';
import { ConflictError } from '../../errors.js';
import type { TicketPriority } from '../../generated/prisma/enums.js';
import { PRIORITIES, type TargetsInput } from './schema.js';

export interface TargetRow {
  priority: TicketPriority;
  firstResponseMins: number;
  resolutionMins: number;
  version: number;
  updatedAt: Date;
}

export async function currentTargets(db: Db): Promise<TargetRow[]> {
  const rows = await db.slaTarget.findMany({
    select: {
      priority: true,
      firstResponseMins: true,
      resolutionMins: true,
      version: true,
      updatedAt: true,
    },
  });
  return PRIORITIES.flatMap((p) => rows.filter((r) => r.priority === p));
}

export async function targetHistory(db: Db) {
  return db.slaTargetVersion.findMany({
    where: { changedById: { not: null } },
    select: {
      priority: true,
      firstResponseMins: true,
      resolutionMins: true,
      effectiveFrom: true,
      changedBy: { select: { name: true } },
    },
    orderBy: [{ effectiveFrom: 'desc' }, { id: 'desc' }],
    take: 100,
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
  ip?: string,
  now = new Date(),
): Promise<TicketPriority[]> {
  const conflict = async () =>
    new ConflictError(
      'Someone saved SLA targets while you were editing.',
      await currentTargets(db),
    );
  const current = await currentTargets(db);
  if (current.some((row) => row.version !== input[row.priority].version)) throw await conflict();
  const changed = current.filter(
    (row) =>
      row.firstResponseMins !== input[row.priority].firstResponseMins ||
      row.resolutionMins !== input[row.priority].resolutionMins,
  );
  if (!changed.length) return [];
  await db.$transaction(async (tx) => {
    for (const row of changed) {
      const next = input[row.priority];
      const { count } = await tx.slaTarget.updateMany({
        where: { priority: row.priority, version: next.version },
        data: {
          firstResponseMins: next.firstResponseMins,
          resolutionMins: next.resolutionMins,
          version: { increment: 1 },
        },
      });
      if (count !== 1) throw await conflict();
      await tx.slaTargetVersion.create({
        data: {
          priority: row.priority,
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
        fieldGroup: row.priority,
        ip,
      });
    }
  });
  return changed.map((row) => row.priority);
}
