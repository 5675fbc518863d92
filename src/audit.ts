import type { Db } from './db/client.js';
import type { Role } from './generated/prisma/enums.js';

export interface AuditInput {
  actor?: { id: number; role: Role } | null;
  action: string;
  customerId?: number | null;
  recordType?: string | null;
  recordId?: number | null;
  fieldGroup?: string | null;
  reason?: string | null;
  ip?: string | null;
}

/** Appends to the audit trail. Callers pass identifiers and field-group names, never values. */
export async function recordAudit(db: Pick<Db, 'auditEvent'>, event: AuditInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      actorId: event.actor?.id ?? null,
      actorRole: event.actor?.role ?? null,
      action: event.action,
      customerId: event.customerId ?? null,
      recordType: event.recordType ?? null,
      recordId: event.recordId ?? null,
      fieldGroup: event.fieldGroup ?? null,
      reason: event.reason ?? null,
      ip: event.ip ?? null,
    },
  });
}
