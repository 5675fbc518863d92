import type { RecordChangeJson } from '../../db/record-changes.js';
import type pg from 'pg';
import { dateOrNull, epochMs, jsonList } from '../../db/json-select.js';
import { prepared } from '../../db/prepared.js';
import { NotFoundError } from '../../errors.js';
import type {
  ContactChannel,
  ContactDirection,
  EscalationStatus,
  EscalationTarget,
  InteractionChannel,
  InteractionStatus,
  ConsultationStatus,
  TicketCategory,
  TicketEntryKind,
  TicketPriority,
  TicketStatus,
} from '../../generated/prisma/enums.js';
import { type FollowUpJson, followUpOf, openFollowUpsJson } from '../follow-ups/queries.js';
import { MERGE_CANDIDATES_JSON, type MergeCandidateJson, mergeCandidateOf } from './merge.js';
import { SLA_TARGET_IN_FORCE } from './queries.js';
import { FALLBACK_TARGET } from './sla.js';

// The ticket page reads a ticket with everything it shows in ONE statement: the people and records
// it names, its SLA targets, escalations, change history, the tickets merged into it and the whole
// thread, the lists as JSON. Prisma fetches each relation with a query of its own (27 round trips
// for a page with a thread, and most of the page's CPU time mapping their rows).

const ms = epochMs;

const PERSON = (alias: string) => `json_build_object('id', ${alias}.id, 'name', ${alias}.name)`;

const THREAD_TICKETS = `ARRAY(
  SELECT t.id UNION ALL SELECT d.id FROM support_tickets d WHERE d.merged_into_id = t.id)`;

// A long thread is most of the page's work, in the database too. Each entry is a JSON array rather
// than an object (no key names built, sent and parsed 200 times), and the number of the ticket an
// entry came from is looked up only for entries of merged tickets.
const ENTRIES = jsonList(`
  SELECT json_agg(json_build_array(
           e.id, e.ticket_id, e.author_id, e.kind, e.channel, e.direction, e.body,
           ${ms('e.created_at')}, ${ms('e.edited_at')}, e.version, u.name,
           CASE WHEN e.ticket_id <> t.id THEN
             (SELECT src.number FROM support_tickets src WHERE src.id = e.ticket_id) END)
         ORDER BY e.created_at, e.id)
    FROM ticket_entries e
    JOIN users u ON u.id = e.author_id
   WHERE e.ticket_id = ANY (${THREAD_TICKETS})`);

// And a thread seldom changes between two readings. Everything its entries show changes this stamp:
// an entry added (count, ids), edited (versions), a ticket merged in or out (count, ids), an author
// renamed (the reference stamp, bumped by any change of a user's name). The instance sends the
// stamp of the thread it holds; the entries come back only when the stamp differs. The stamp is
// the lateral's own aggregate, so the thread is scanned for it once.
const THREAD_STAMP = `
  SELECT count(*) || '.' || COALESCE(sum(e.id), 0) || '.' || COALESCE(sum(e.version), 0) || '.' ||
         (SELECT r.stamp FROM live.reference_stamp r WHERE r.id = 1) AS stamp
    FROM ticket_entries e
   WHERE e.ticket_id = ANY (${THREAD_TICKETS})`;

const CHANGES = jsonList(`
  SELECT json_agg(json_build_object(
           'id', c.id, 'field', c.field, 'fromValue', c.from_value, 'toValue', c.to_value,
           'createdAt', ${ms('c.created_at')}, 'actorName', a.name)
         ORDER BY c.created_at, c.id)
    FROM record_changes c
    LEFT JOIN users a ON a.id = c.actor_id
   WHERE c.record_type = 'ticket' AND c.record_id = t.id`);

const ESCALATIONS = jsonList(`
  SELECT json_agg(json_build_object(
           'id', x.id, 'status', x.status, 'outcome', x.outcome, 'targetType', x.target_type,
           'createdAt', ${ms('x.created_at')}, 'resolvedAt', ${ms('x.resolved_at')},
           'targetName', tu.name, 'raisedByName', ra.name, 'resolvedByName', rb.name)
         ORDER BY x.created_at DESC, x.id DESC)
    FROM escalations x
    JOIN users tu ON tu.id = x.target_user_id
    JOIN users ra ON ra.id = x.raised_by_id
    LEFT JOIN users rb ON rb.id = x.resolved_by_id
   WHERE x.ticket_id = t.id`);

const MERGED_FROM = jsonList(`
  SELECT json_agg(json_build_object('id', d.id, 'number', d.number) ORDER BY d.id)
    FROM support_tickets d WHERE d.merged_into_id = t.id`);

const TICKET_PAGE_SQL = `
SELECT t.id, t.number, t.subject, t.description, t.category, t.priority, t.status,
       t.assignee_id, t.paused_seconds, t.reopen_count, t.version, t.customer_id,
       ${ms('t.first_response_at')} AS first_response_at, ${ms('t.pending_since')} AS pending_since,
       ${ms('t.resolved_at')} AS resolved_at, ${ms('t.created_at')} AS created_at,
       ${ms('t.updated_at')} AS updated_at, ${ms('t.merged_at')} AS merged_at,
       CASE WHEN m.id IS NOT NULL THEN json_build_object('id', m.id, 'number', m.number) END
         AS merged_into,
       c.full_name AS customer_name, c.email AS customer_email,
       ${ms('p.updated_at')} AS photo_updated_at,
       CASE WHEN i.id IS NOT NULL THEN json_build_object(
         'id', i.id, 'channel', i.channel, 'status', i.status, 'subject', i.subject) END
         AS interaction,
       CASE WHEN k.id IS NOT NULL THEN json_build_object(
         'id', k.id, 'reference', k.reference, 'status', k.status) END AS consultation,
       CASE WHEN a.id IS NOT NULL THEN ${PERSON('a')} END AS assignee,
       ${PERSON('cb')} AS created_by,
       CASE WHEN rb.id IS NOT NULL THEN ${PERSON('rb')} END AS resolved_by,
       s.first_response_mins, s.resolution_mins,
       ${ESCALATIONS} AS escalations, ${CHANGES} AS changes,
       ${MERGED_FROM} AS merged_from, thread.stamp AS thread_stamp,
       CASE WHEN thread.stamp = $2 THEN NULL ELSE ${ENTRIES} END AS entries,
       ${openFollowUpsJson('ticket_id', 't.id')} AS follow_ups,
       ${MERGE_CANDIDATES_JSON} AS merge_candidates
  FROM support_tickets t
  JOIN customers c ON c.id = t.customer_id
  JOIN users cb ON cb.id = t.created_by_id
  LEFT JOIN customer_photos p ON p.customer_id = t.customer_id
  LEFT JOIN support_tickets m ON m.id = t.merged_into_id
  LEFT JOIN interactions i ON i.id = t.interaction_id
  LEFT JOIN consultations k ON k.id = t.consultation_id
  LEFT JOIN users a ON a.id = t.assignee_id
  LEFT JOIN users rb ON rb.id = t.resolved_by_id
  ${SLA_TARGET_IN_FORCE}
  CROSS JOIN LATERAL (${THREAD_STAMP}) thread
 WHERE t.id = $1`;

type Person = { id: number; name: string };

/** One thread entry as ENTRIES sends it, in the order of its columns. */
type EntryRow = [
  id: number,
  ticketId: number,
  authorId: number,
  kind: TicketEntryKind,
  channel: ContactChannel | null,
  direction: ContactDirection | null,
  body: string,
  createdAt: number,
  editedAt: number | null,
  version: number,
  authorName: string,
  fromTicket: string | null,
];

interface EscalationRow {
  id: number;
  status: EscalationStatus;
  outcome: string | null;
  targetType: EscalationTarget;
  createdAt: number;
  resolvedAt: number | null;
  targetName: string;
  raisedByName: string;
  resolvedByName: string | null;
}

interface TicketPageRow {
  id: number;
  number: string;
  subject: string;
  description: string;
  category: TicketCategory;
  priority: TicketPriority;
  status: TicketStatus;
  assignee_id: number | null;
  paused_seconds: number;
  reopen_count: number;
  version: number;
  customer_id: number;
  first_response_at: number | null;
  pending_since: number | null;
  resolved_at: number | null;
  created_at: number;
  updated_at: number;
  merged_at: number | null;
  merged_into: { id: number; number: string } | null;
  customer_name: string;
  customer_email: string | null;
  photo_updated_at: number | null;
  interaction: {
    id: number;
    channel: InteractionChannel;
    status: InteractionStatus;
    subject: string | null;
  } | null;
  consultation: { id: number; reference: string; status: ConsultationStatus } | null;
  assignee: Person | null;
  created_by: Person;
  resolved_by: Person | null;
  first_response_mins: number | null;
  resolution_mins: number | null;
  escalations: EscalationRow[];
  changes: RecordChangeJson[];
  merged_from: { id: number; number: string }[];
  thread_stamp: string;
  /** null when the thread is still the one whose stamp was sent */
  entries: EntryRow[] | null;
  follow_ups: FollowUpJson[];
  merge_candidates: MergeCandidateJson[];
}

const date = (value: number) => new Date(value);
const named = (name: string | null) => (name === null ? null : { name });

function entryOf(e: EntryRow) {
  return Object.freeze({
    id: e[0],
    ticketId: e[1],
    authorId: e[2],
    kind: e[3],
    channel: e[4],
    direction: e[5],
    body: e[6],
    createdAt: date(e[7]),
    editedAt: dateOrNull(e[8]),
    version: e[9],
    author: Object.freeze({ name: e[10] }),
    fromTicket: e[11],
  });
}

function changeOf(c: RecordChangeJson) {
  return {
    id: c.id,
    field: c.field,
    fromValue: c.fromValue,
    toValue: c.toValue,
    createdAt: date(c.createdAt),
    actor: named(c.actorName),
  };
}

function escalationOf(x: EscalationRow) {
  return {
    id: x.id,
    status: x.status,
    outcome: x.outcome,
    targetType: x.targetType,
    createdAt: date(x.createdAt),
    resolvedAt: dateOrNull(x.resolvedAt),
    targetUser: { name: x.targetName },
    raisedBy: { name: x.raisedByName },
    resolvedBy: named(x.resolvedByName),
  };
}

function ticketOf(row: TicketPageRow) {
  return {
    id: row.id,
    number: row.number,
    subject: row.subject,
    description: row.description,
    category: row.category,
    priority: row.priority,
    status: row.status,
    assigneeId: row.assignee_id,
    firstResponseAt: dateOrNull(row.first_response_at),
    pendingSince: dateOrNull(row.pending_since),
    pausedSeconds: row.paused_seconds,
    resolvedAt: dateOrNull(row.resolved_at),
    reopenCount: row.reopen_count,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    version: row.version,
    customerId: row.customer_id,
    mergedAt: dateOrNull(row.merged_at),
    mergedInto: row.merged_into,
    customer: {
      id: row.customer_id,
      fullName: row.customer_name,
      email: row.customer_email,
      photo: row.photo_updated_at === null ? null : { updatedAt: date(row.photo_updated_at) },
    },
    interaction: row.interaction,
    consultation: row.consultation,
    assignee: row.assignee,
    createdBy: row.created_by,
    resolvedBy: row.resolved_by,
  };
}

type ThreadEntry = ReturnType<typeof entryOf>;

// Threads this instance has read, by ticket id, with their stamps (see THREAD_STAMP), least
// recently used first; bounded by the characters of the entries' text held (about 32 MB). Every
// page built from a thread shares its entries, so they are frozen.
const MAX_HELD_CHARS = 16_000_000;
interface HeldThread {
  stamp: string;
  entries: readonly ThreadEntry[];
  chars: number;
}
const threads = new Map<number, HeldThread>();
let heldChars = 0;

function forget(id: number): void {
  const held = threads.get(id);
  if (!held) return;
  heldChars -= held.chars;
  threads.delete(id);
}

function hold(id: number, stamp: string, entries: readonly ThreadEntry[]): void {
  const chars = entries.reduce((sum, e) => sum + e.body.length, 0);
  forget(id);
  if (chars > MAX_HELD_CHARS) return;
  for (const oldest of threads.keys()) {
    if (heldChars + chars <= MAX_HELD_CHARS) break;
    forget(oldest);
  }
  threads.set(id, { stamp, entries, chars });
  heldChars += chars;
}

/** The thread's entries: read now, or the ones held if the database found their stamp current. */
function threadOf(id: number, row: TicketPageRow, held: HeldThread | undefined) {
  if (row.entries === null && held) {
    if (threads.get(id) === held) {
      // Used again: now the most recently used.
      threads.delete(id);
      threads.set(id, held);
    }
    return held.entries;
  }
  const entries = (row.entries ?? []).map(entryOf);
  hold(id, row.thread_stamp, entries);
  return entries;
}

/** The ticket page's record: the ticket, its SLA targets, escalations, history and thread. */
export async function readTicketPage(pool: pg.Pool, id: number) {
  // Kept across the await: another request may let go of it meanwhile.
  const held = threads.get(id);
  const values = [id, held?.stamp ?? null];
  const { rows } = await pool.query<TicketPageRow>(prepared(TICKET_PAGE_SQL, values));
  const row = rows[0];
  if (!row) throw new NotFoundError('No such ticket.');
  const target =
    row.first_response_mins === null || row.resolution_mins === null
      ? FALLBACK_TARGET
      : { firstResponseMins: row.first_response_mins, resolutionMins: row.resolution_mins };
  return {
    ticket: ticketOf(row),
    target,
    escalations: row.escalations.map(escalationOf),
    changes: row.changes.map(changeOf),
    mergedFrom: row.merged_from,
    entries: threadOf(id, row, held),
    followUps: row.follow_ups.map(followUpOf),
    mergeCandidates: row.merge_candidates.map(mergeCandidateOf),
  };
}
