import type { Actor } from '../auth/actor.js';
import { recordAudit, type AuditInput } from '../audit.js';
import type { Db } from '../db/client.js';
import {
  medicalAccess,
  mayRecordConsultationMedical,
  mayRequestReveal,
  type AccessBasis,
  type AccessRules,
  type MedicalAccess,
} from './access.js';
import {
  AUDIT_ACTIONS,
  CONSULTATION_MEDICAL_FIELDS,
  CUSTOMER_MEDICAL_FIELDS,
  FIELD_GROUP,
} from './fields.js';

/** A field the viewer may not read: its label and whether anything is recorded, never the value. */
export interface WithheldField {
  key: string;
  label: string;
  recorded: boolean;
}

export interface VisibleField extends WithheldField {
  value: string | null;
}

export type PresentedMedical =
  | {
      visible: true;
      basis: AccessBasis;
      reason: string | null;
      expiresAt: Date | null;
      exists: boolean;
      version: number;
      fields: VisibleField[];
      canEdit: boolean;
    }
  | {
      visible: false;
      withheld: true;
      exists: boolean;
      fields: WithheldField[];
      canReveal: boolean;
      canEdit: false;
    };

export interface ViewContext extends AccessRules {
  ip?: string | null;
}

type FieldList = readonly { key: string; column: string; label: string }[];

/** A medical table, the column naming the record it belongs to, and its fields. */
interface MedicalTable {
  table: 'customer_medical' | 'consultation_medical';
  keyColumn: string;
  fields: FieldList;
}

const CUSTOMER_TABLE: MedicalTable = {
  table: 'customer_medical',
  keyColumn: 'customer_id',
  fields: CUSTOMER_MEDICAL_FIELDS,
};
const CONSULTATION_TABLE: MedicalTable = {
  table: 'consultation_medical',
  keyColumn: 'consultation_id',
  fields: CONSULTATION_MEDICAL_FIELDS,
};

/** Per field: whether its column holds something, as SQL over the medical table's row. */
const recordedColumns = (fields: FieldList) =>
  fields.map((f) => ({ key: f.key, sql: `(NULLIF(btrim(${f.column}), '') IS NOT NULL)` }));

/** Whether each medical column holds something, computed in SQL so values never leave the database. */
async function recordedFlags(
  db: Db,
  { table, keyColumn, fields }: MedicalTable,
  id: number,
): Promise<RecordedFlags | null> {
  // Table and column names come from the constant lists above, never from input.
  const flags = recordedColumns(fields)
    .map((c) => `${c.sql} AS "${c.key}"`)
    .join(', ');
  const rows = await db.$queryRawUnsafe<RecordedFlags[]>(
    `SELECT ${flags} FROM ${table} WHERE ${keyColumn} = $1`,
    id,
  );
  return rows[0] ?? null;
}

/** Which of a patient's medical fields hold something (never what): a field's key → recorded. */
export type RecordedFlags = Record<string, boolean>;

/**
 * The same flags as a JSON object (null without a medical row), for a page that reads its record
 * in one statement: `customerIdSql` is that statement's customer id column. The page passes what
 * it read back as `recorded` (presentCustomerMedical), sparing a round trip.
 */
export function customerMedicalRecordedJson(customerIdSql: string): string {
  const pairs = recordedColumns(CUSTOMER_MEDICAL_FIELDS).map((c) => `'${c.key}', ${c.sql}`);
  return `(SELECT json_build_object(${pairs.join(', ')})
             FROM ${CUSTOMER_TABLE.table} WHERE ${CUSTOMER_TABLE.keyColumn} = ${customerIdSql})`;
}

function withheld(
  fields: FieldList,
  flags: RecordedFlags | null,
  canReveal: boolean,
): PresentedMedical {
  return {
    visible: false,
    withheld: true,
    exists: flags !== null,
    fields: fields.map((f) => ({ key: f.key, label: f.label, recorded: Boolean(flags?.[f.key]) })),
    canReveal,
    canEdit: false,
  };
}

function visible(
  fields: FieldList,
  row: Record<string, unknown> | null,
  access: MedicalAccess,
  canEdit: boolean,
): PresentedMedical {
  return {
    visible: true,
    basis: access.basis!,
    reason: access.reason,
    expiresAt: access.expiresAt,
    exists: row !== null,
    version: row ? Number(row.version) : 0,
    fields: fields.map((f) => {
      const value = row ? ((row[f.key] as string | null) ?? null) : null;
      return { key: f.key, label: f.label, value, recorded: value !== null && value.trim() !== '' };
    }),
    canEdit,
  };
}

/** Names the basis of a showing: "assigned: consultation 12", "escalation: escalation 5", "reveal: <reason>". */
function auditReason(access: MedicalAccess): string {
  if (access.basis === 'reveal') return `reveal: ${access.reason ?? ''}`;
  return access.grantedBy ? `${access.basis}: ${access.grantedBy}` : (access.basis ?? '');
}

/**
 * The patient's medical profile as this viewer may see it; audits every showing of values.
 * `view.recorded`: the flags already read with the page (customerMedicalRecordedJson).
 */
export async function presentCustomerMedical(
  db: Db,
  actor: Actor | null | undefined,
  customerId: number,
  view: ViewContext & { recorded?: RecordedFlags | null } = {},
): Promise<PresentedMedical> {
  const access = await medicalAccess(db, actor, customerId, view);
  if (!access.allowed) {
    const flags =
      view.recorded === undefined
        ? await recordedFlags(db, CUSTOMER_TABLE, customerId)
        : view.recorded;
    return withheld(CUSTOMER_MEDICAL_FIELDS, flags, mayRequestReveal(actor, access));
  }
  const row = await db.customerMedical.findUnique({
    where: { customerId },
    select: {
      bloodGroup: true,
      genotype: true,
      allergies: true,
      chronicConditions: true,
      medicalHistory: true,
      currentMedications: true,
      version: true,
    },
  });
  await recordAudit(db, {
    actor,
    action: AUDIT_ACTIONS.view,
    customerId,
    recordType: 'customer',
    recordId: customerId,
    fieldGroup: FIELD_GROUP.customer,
    reason: auditReason(access),
    ip: view.ip,
  });
  return visible(CUSTOMER_MEDICAL_FIELDS, row, access, false);
}

export interface ConsultationRef {
  id: number;
  customerId: number;
  doctorId: number | null;
  status: string;
}

/**
 * A consultation's medical notes read to be shown to someone who may see them, with the audit
 * row every showing writes (`reason`: why they may).
 */
export async function readConsultationMedicalShown(
  db: Db,
  showing: {
    actor: AuditInput['actor'];
    consultation: ConsultationRef;
    reason: string;
    ip?: string | null;
  },
) {
  const { actor, consultation, reason, ip } = showing;
  const row = await db.consultationMedical.findUnique({
    where: { consultationId: consultation.id },
    select: {
      presentingComplaint: true,
      medicalHistory: true,
      diagnosis: true,
      treatmentPlan: true,
      prescribedMedication: true,
      followUpInstructions: true,
      version: true,
    },
  });
  await recordAudit(db, {
    actor,
    action: AUDIT_ACTIONS.view,
    customerId: consultation.customerId,
    recordType: 'consultation',
    recordId: consultation.id,
    fieldGroup: FIELD_GROUP.consultation,
    reason,
    ip,
  });
  return row;
}

/** The medical part of one consultation as this viewer may see it; audits every showing of values. */
export async function presentConsultationMedical(
  db: Db,
  actor: Actor | null | undefined,
  consultation: ConsultationRef,
  view: ViewContext = {},
): Promise<PresentedMedical> {
  const access = await medicalAccess(db, actor, consultation.customerId, view);
  if (!access.allowed) {
    return withheld(
      CONSULTATION_MEDICAL_FIELDS,
      await recordedFlags(db, CONSULTATION_TABLE, consultation.id),
      mayRequestReveal(actor, access),
    );
  }
  const row = await readConsultationMedicalShown(db, {
    actor,
    consultation,
    reason: auditReason(access),
    ip: view.ip,
  });
  return visible(
    CONSULTATION_MEDICAL_FIELDS,
    row,
    access,
    mayRecordConsultationMedical(actor, consultation),
  );
}
