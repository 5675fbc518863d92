import type { RecordChangeJson } from '../../db/record-changes.js';
import type pg from 'pg';
import { dateOrNull, epochMs, jsonList } from '../../db/json-select.js';
import { prepared, rowCount } from '../../db/prepared.js';
import { NotFoundError } from '../../errors.js';
import type { Gender } from '../../generated/prisma/enums.js';
import {
  callVerificationOf,
  type CallVerificationJson,
  openCallVerificationJson,
} from '../interactions/verification.js';
import { customerMedicalRecordedJson, type RecordedFlags } from '../../privacy/index.js';
import { CONTACT_FIELDS } from './contact.js';
import { customerTimelineJson, timelineItemOf, type TimelineRow } from './queries.js';
import type { getCustomer } from './service.js';

// The profile reads the customer with its photo stamp, figures, contact corrections and the open
// call's verification in ONE statement; through Prisma these were seven round trips, and most of
// the page's CPU time went to building and mapping them. Which medical fields hold something comes
// along too, as src/privacy writes that SQL (never a value), and the newest of the timeline.
// The medical values a doctor may see (read by src/privacy) stay separate.

const CONTACT_CHANGES = jsonList(`
  SELECT json_agg(json_build_object(
           'id', h.id, 'field', h.field, 'fromValue', h.from_value, 'toValue', h.to_value,
           'createdAt', h.created_at_ms, 'actorName', h.actor_name) ORDER BY h.created_at DESC, h.id DESC)
    FROM (SELECT r.id, r.field, r.from_value, r.to_value, r.created_at,
                 ${epochMs('r.created_at')} AS created_at_ms, a.name AS actor_name
            FROM record_changes r LEFT JOIN users a ON a.id = r.actor_id
           WHERE r.record_type = 'customer' AND r.record_id = c.id
             AND r.field IN (${CONTACT_FIELDS.map((f) => `'${f}'`).join(', ')})
           ORDER BY r.created_at DESC, r.id DESC LIMIT 50) h`);

const customerPageSql = (timelineLength: number) => `
SELECT c.id, c.first_name, c.last_name, c.full_name, c.email, c.phone, c.address, c.gender,
       to_char(c.date_of_birth, 'YYYY-MM-DD') AS date_of_birth,
       ${epochMs('c.email_verified_at')} AS email_verified_at,
       ${epochMs('c.last_login_at')} AS last_login_at,
       ${epochMs('c.last_activity_at')} AS last_activity_at,
       ${epochMs('c.created_at')} AS created_at,
       ${epochMs('p.updated_at')} AS photo_updated_at,
       (SELECT coalesce(sum(amount_minor), 0) FROM payments
         WHERE customer_id = c.id AND status = 'paid')::float8 AS total_paid_minor,
       (SELECT count(*) FROM consultations WHERE customer_id = c.id)::int AS consultation_count,
       (SELECT count(*) FROM support_tickets
         WHERE customer_id = c.id AND status IN ('open', 'pending', 'escalated'))::int AS open_tickets,
       ${CONTACT_CHANGES} AS contact_changes,
       ${openCallVerificationJson('c.id')} AS call_verification,
       ${customerMedicalRecordedJson('c.id')} AS medical_recorded,
       ${customerTimelineJson('c.id', rowCount(timelineLength))} AS timeline
  FROM customers c
  LEFT JOIN customer_photos p ON p.customer_id = c.id
 WHERE c.id = $1`;

interface CustomerPageRow {
  id: number;
  first_name: string;
  last_name: string;
  full_name: string;
  email: string;
  phone: string;
  address: string | null;
  gender: Gender;
  date_of_birth: string | null;
  email_verified_at: number | null;
  last_login_at: number | null;
  last_activity_at: number | null;
  created_at: number;
  photo_updated_at: number | null;
  total_paid_minor: number;
  consultation_count: number;
  open_tickets: number;
  contact_changes: RecordChangeJson[];
  call_verification: CallVerificationJson | null;
  medical_recorded: RecordedFlags | null;
  timeline: TimelineRow[];
}

type Customer = Awaited<ReturnType<typeof getCustomer>>;

export interface CustomerStats {
  totalPaidMinor: number;
  consultationCount: number;
  openTickets: number;
}

function customerOf(row: CustomerPageRow): Customer {
  return {
    id: row.id,
    firstName: row.first_name,
    lastName: row.last_name,
    fullName: row.full_name,
    email: row.email,
    phone: row.phone,
    address: row.address,
    // A calendar date, kept as UTC midnight as Prisma reads it.
    dateOfBirth: row.date_of_birth === null ? null : new Date(`${row.date_of_birth}T00:00:00Z`),
    gender: row.gender,
    photo: row.photo_updated_at === null ? null : { updatedAt: new Date(row.photo_updated_at) },
    emailVerifiedAt: dateOrNull(row.email_verified_at),
    lastLoginAt: dateOrNull(row.last_login_at),
    lastActivityAt: dateOrNull(row.last_activity_at),
    createdAt: new Date(row.created_at),
  };
}

// The timeline's length is written into the text (`rowCount` in prepared.ts); one text per length.
const pageSqlByLength = new Map<number, string>();

/**
 * The profile's record: the customer, their figures, contact corrections, open call check, which
 * medical fields hold something and the newest `timelineLength` things that happened.
 */
export async function readCustomerPage(pool: pg.Pool, id: number, timelineLength = 50) {
  let text = pageSqlByLength.get(timelineLength);
  if (!text) pageSqlByLength.set(timelineLength, (text = customerPageSql(timelineLength)));
  const statement = prepared(text, [id]);
  const { rows } = await pool.query<CustomerPageRow>(statement);
  const row = rows[0];
  if (!row) throw new NotFoundError();
  const stats: CustomerStats = {
    totalPaidMinor: row.total_paid_minor,
    consultationCount: row.consultation_count,
    openTickets: row.open_tickets,
  };
  return {
    customer: customerOf(row),
    stats,
    contactChanges: row.contact_changes.map(({ createdAt, ...change }) => ({
      ...change,
      createdAt: new Date(createdAt),
    })),
    callVerification: row.call_verification && callVerificationOf(row.call_verification),
    medicalRecorded: row.medical_recorded,
    timeline: row.timeline.map(timelineItemOf),
  };
}
