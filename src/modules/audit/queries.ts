import { dayStartSql } from '../../lib/time.js';
import type pg from 'pg';
import type { AuditQuery, ExportQuery } from './schema.js';
import { sqlParams } from '../../db/sql-params.js';

// The audit trail as people read it: the trail page, its staff filter and the exports. The
// hash chain's own reads stay with its verifier in chain.ts.

export interface AuditRow {
  id: string;
  at: Date;
  actorId: number | null;
  actorRole: string | null;
  actorName: string | null;
  action: string;
  customerId: number | null;
  customerName: string | null;
  recordType: string | null;
  recordId: number | null;
  fieldGroup: string | null;
  reason: string | null;
  ip: string | null;
}

/** What every audit row read shows; the name columns come from the joins each query makes. */
const AUDIT_COLUMNS = `a.id::text AS id, a.at, a.actor_id AS "actorId", a.actor_role AS "actorRole",
  u.name AS "actorName", a.action, a.customer_id AS "customerId", a.record_type AS "recordType",
  a.record_id AS "recordId", a.field_group AS "fieldGroup", a.reason, a.ip`;

/** Newest first, keyset on id; each filter has an index (actor_id, at) / (customer_id, at) / (at). */
export async function listAudit(
  pool: pg.Pool,
  query: AuditQuery,
  limit: number,
): Promise<{ rows: AuditRow[]; nextBefore: string | null }> {
  const clauses: string[] = [];
  const { values: params, bind: p } = sqlParams();
  if (query.userId) clauses.push(`a.actor_id = ${p(query.userId)}`);
  if (query.customerId) clauses.push(`a.customer_id = ${p(query.customerId)}`);
  if (query.action) clauses.push(`a.action = ${p(query.action)}`);
  if (query.from) clauses.push(`a.at >= ${dayStartSql(p, query.from)}`);
  if (query.to) clauses.push(`a.at < ${dayStartSql(p, query.to, 1)}`);
  if (query.before) clauses.push(`a.id < ${p(query.before)}::bigint`);
  params.push(limit + 1);
  const { rows } = await pool.query(
    `SELECT ${AUDIT_COLUMNS}, cu.full_name AS "customerName"
       FROM audit_events a
       LEFT JOIN users u ON u.id = a.actor_id
       LEFT JOIN customers cu ON cu.id = a.customer_id
      ${clauses.length ? 'WHERE ' + clauses.join(' AND ') : ''}
      ORDER BY a.id DESC
      LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit) as AuditRow[];
  return { rows: page, nextBefore: rows.length > limit ? page[page.length - 1].id : null };
}

export async function auditUsers(
  pool: pg.Pool,
): Promise<{ id: number; name: string; role: string }[]> {
  const { rows } = await pool.query(`SELECT id, name, role FROM users ORDER BY name LIMIT 500`);
  return rows;
}

const EXPORT_BATCH = 1000;

/**
 * The audit rows matching an export's filters, oldest first, in batches (keyset on id) so a
 * large range streams in constant memory. The FHIR export and the per-patient access report
 * both read through here, so they always show the same rows.
 */
export async function* auditRowsForExport(
  pool: pg.Pool,
  query: ExportQuery,
): AsyncGenerator<AuditRow[]> {
  let after = '0';
  for (;;) {
    const { values: params, bind: p } = sqlParams();
    const clauses = [`a.id > ${p(after)}::bigint`];
    if (query.patient) clauses.push(`a.customer_id = ${p(query.patient)}`);
    if (query.from) clauses.push(`a.at >= ${p(query.from)}::date`);
    if (query.to) clauses.push(`a.at < (${p(query.to)}::date + 1)`);
    const { rows } = await pool.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS}, NULL AS "customerName"
         FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id
        WHERE ${clauses.join(' AND ')}
        ORDER BY a.id
        LIMIT ${EXPORT_BATCH}`,
      params,
    );
    if (rows.length) yield rows;
    if (rows.length < EXPORT_BATCH) return;
    after = rows[rows.length - 1].id;
  }
}
