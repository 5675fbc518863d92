import type { Prisma } from '../generated/prisma/client.js';
import type { RecordType } from '../generated/prisma/enums.js';

/** What a record's change history shows: the field, its old and new value, when and by whom. */
export const CHANGE_FIELDS = {
  field: true,
  fromValue: true,
  toValue: true,
  createdAt: true,
  actor: { select: { name: true } },
} as const;

/** One row of a record's history: which field of which record moved from what to what, and who moved it. */
export interface RecordChangeRow {
  recordType: RecordType;
  recordId: number;
  actorId: number;
  field: string;
  from: string | null;
  to: string | null;
}

/**
 * Writes history rows in one statement. Rows written together may share a timestamp; every reader
 * orders by (created_at, id), so they still read back in the order given.
 */
export async function writeRecordChanges(
  tx: Prisma.TransactionClient,
  rows: RecordChangeRow[],
): Promise<void> {
  await tx.recordChange.createMany({
    data: rows.map(({ from, to, ...row }) => ({ ...row, fromValue: from, toValue: to })),
  });
}

/** A history row as a page's one-statement read returns it in JSON (time as epoch ms). */
export interface RecordChangeJson {
  id: number;
  field: string;
  fromValue: string | null;
  toValue: string | null;
  createdAt: number;
  actorName: string | null;
}
