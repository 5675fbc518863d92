import type { Db } from '../../db/client.js';
import type { TicketPriority } from '../../generated/prisma/enums.js';
import { PRIORITIES } from './schema.js';

export interface TargetRow {
  priority: TicketPriority;
  firstResponseMins: number;
  resolutionMins: number;
  version: number;
  updatedAt: Date;
}

/** The targets in force, one row per priority, most urgent first. */
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

/** The latest changes people made (the installation's own targets have no author). */
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
