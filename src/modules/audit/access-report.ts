import { csvLine } from '../../lib/csv.js';
import type { AuditRow } from './queries.js';

export const ACCESS_REPORT_PAGE_LIMIT = 1000;

/** What each action means to a patient reading their accounting of disclosures. */
const WHAT: Record<string, string> = {
  medical_view: 'viewed medical details',
  medical_update: 'updated medical details',
  medical_reveal: 'revealed medical details (break-the-glass)',
  audit_export: 'exported audit records',
  access_report: 'viewed this access report',
  reveal_review: 'reviewed a break-the-glass reveal',
};

export interface AccessLine {
  id: string;
  at: Date;
  who: string;
  role: string;
  what: string;
  record: string;
  why: string;
  from: string;
}

export function presentAccess(row: AuditRow): AccessLine {
  return {
    id: row.id,
    at: row.at,
    who: row.actorId === null ? 'unidentified' : (row.actorName ?? `user ${row.actorId}`),
    role: row.actorRole ?? '',
    what: WHAT[row.action] ?? row.action.replaceAll('_', ' '),
    record: row.recordType && row.recordId !== null ? `${row.recordType} ${row.recordId}` : '',
    why: row.reason ?? '',
    from: row.ip ?? '',
  };
}

export const ACCESS_CSV_HEADER = [
  'audit_id',
  'when_utc',
  'who',
  'role',
  'what',
  'record',
  'why',
  'from',
] as const;

export function accessCsvRow(row: AuditRow): string {
  const line = presentAccess(row);
  return csvLine([
    line.id,
    line.at,
    line.who,
    line.role,
    line.what,
    line.record,
    line.why,
    line.from,
  ]);
}
