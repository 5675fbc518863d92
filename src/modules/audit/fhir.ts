import { FIELD_GROUP } from '../../privacy/index.js';
import type { AuditRow } from './queries.js';

/** The audit actions this module writes itself (exports and access reports are audited too). */
export const EXPORT_ACTIONS = { export: 'audit_export', accessReport: 'access_report' } as const;

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const SECURITY_ROLE = 'http://terminology.hl7.org/CodeSystem/extra-security-role-type';
/** Identifier systems for this installation's own ids. */
const USER_SYSTEM = 'urn:caredesk:user';
const PATIENT_SYSTEM = 'urn:caredesk:customer';

interface Coding {
  system: string;
  code: string;
  display: string;
}
type Action = 'C' | 'R' | 'U' | 'D' | 'E';

interface EventCodes {
  type: Coding;
  subtype?: Coding;
  action: Action;
  /** '0' success, '4' minor failure (a refused sign-in). */
  outcome: '0' | '4';
}

const REST: Coding = { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' };
const USER_AUTH: Coding = { system: DCM, code: '110114', display: 'User Authentication' };
const LOGIN: Coding = { system: DCM, code: '110122', display: 'Login' };

/** Each audit action as a standard event: DICOM and HL7 audit event types, RESTful interaction subtypes. */
const EVENTS: Record<string, EventCodes> = {
  medical_view: {
    type: REST,
    subtype: { system: RESTFUL, code: 'read', display: 'read' },
    action: 'R',
    outcome: '0',
  },
  medical_update: {
    type: REST,
    subtype: { system: RESTFUL, code: 'update', display: 'update' },
    action: 'U',
    outcome: '0',
  },
  medical_reveal: {
    type: { system: DCM, code: '110113', display: 'Security Alert' },
    subtype: { system: DCM, code: '110127', display: 'Emergency Override Started' },
    action: 'E',
    outcome: '0',
  },
  sign_in: { type: USER_AUTH, subtype: LOGIN, action: 'E', outcome: '0' },
  sign_out: {
    type: USER_AUTH,
    subtype: { system: DCM, code: '110123', display: 'Logout' },
    action: 'E',
    outcome: '0',
  },
  sign_in_failed: { type: USER_AUTH, subtype: LOGIN, action: 'E', outcome: '4' },
  sign_in_refused: { type: USER_AUTH, subtype: LOGIN, action: 'E', outcome: '4' },
  [EXPORT_ACTIONS.export]: {
    type: { system: DCM, code: '110106', display: 'Export' },
    action: 'R',
    outcome: '0',
  },
  [EXPORT_ACTIONS.accessReport]: {
    type: { system: DCM, code: '110101', display: 'Audit Log Used' },
    action: 'R',
    outcome: '0',
  },
};
const OTHER: EventCodes = { type: REST, action: 'E', outcome: '0' };

const TREAT: Coding = { system: ACT_REASON, code: 'TREAT', display: 'treatment' };
const ETREAT: Coding = { system: ACT_REASON, code: 'ETREAT', display: 'Emergency Treatment' };

/** Treatment for a care relationship, emergency treatment for a break-the-glass reveal. */
function purposeOf(row: AuditRow): { coding: Coding[]; text?: string }[] | undefined {
  if (row.action === 'medical_reveal') return [{ coding: [ETREAT], text: row.reason ?? undefined }];
  if (row.action !== 'medical_view' && row.action !== 'medical_update') return undefined;
  if (row.reason?.startsWith('reveal')) return [{ coding: [ETREAT] }];
  return [{ coding: [TREAT], text: row.reason ?? undefined }];
}

function agentOf(row: AuditRow) {
  const network = row.ip ? { address: row.ip, type: '2' as const } : undefined;
  const type = { coding: [{ system: SECURITY_ROLE, code: 'humanuser', display: 'human user' }] };
  if (row.actorId === null) {
    // An unsuccessful sign-in without a matching account: only its keyed email fingerprint is known.
    const altId = row.reason?.startsWith('email-hmac:') ? row.reason : undefined;
    return { type, who: { display: 'unidentified user' }, altId, requestor: true, network };
  }
  return {
    type,
    who: {
      identifier: { system: USER_SYSTEM, value: String(row.actorId) },
      display: row.actorName ?? undefined,
    },
    role: row.actorRole ? [{ text: row.actorRole }] : undefined,
    requestor: true,
    network,
  };
}

function entitiesOf(row: AuditRow) {
  const entities: object[] = [];
  if (row.customerId !== null) {
    entities.push({
      what: {
        reference: `Patient/${row.customerId}`,
        identifier: { system: PATIENT_SYSTEM, value: String(row.customerId) },
      },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
      name: row.fieldGroup === FIELD_GROUP.customer ? row.fieldGroup : undefined,
    });
  }
  if (row.recordType === 'consultation' && row.recordId !== null) {
    entities.push({
      what: { reference: `Encounter/${row.recordId}` },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
      name: row.fieldGroup ?? undefined,
    });
  }
  if (row.recordType === 'user' && row.recordId !== null) {
    entities.push({
      what: { identifier: { system: USER_SYSTEM, value: String(row.recordId) } },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '11', display: 'Security User Entity' },
    });
  }
  return entities.length ? entities : undefined;
}

/** One audit row as a FHIR R4 AuditEvent. Carries identifiers and field-group names, never values. */
export function toAuditEvent(row: AuditRow, site: string): Record<string, unknown> {
  const codes = EVENTS[row.action] ?? OTHER;
  const resource = {
    resourceType: 'AuditEvent',
    id: String(row.id),
    type: codes.type,
    subtype: codes.subtype ? [codes.subtype] : undefined,
    action: codes.action,
    recorded: row.at.toISOString(),
    outcome: codes.outcome,
    outcomeDesc: codes.outcome === '0' ? undefined : row.action.replaceAll('_', ' '),
    purposeOfEvent: purposeOf(row),
    agent: [agentOf(row)],
    source: {
      site,
      observer: { display: site },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: entitiesOf(row),
  };
  // JSON has no undefined: drop the absent optional elements so the resource validates.
  return JSON.parse(JSON.stringify(resource)) as Record<string, unknown>;
}
