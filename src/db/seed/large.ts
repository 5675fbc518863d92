// `npm run db:seed -- --scale large|small`: bulk data for load tests, generated inside PostgreSQL.
// Every row comes from INSERT ... SELECT ... FROM generate_series(...) with random() expressions,
// in chunks so progress can be shown. Secondary (non-unique) indexes are dropped during the load
// and rebuilt afterwards (same definitions, read from pg_indexes), then the tables are analysed.
import type pg from 'pg';
import type { Db } from '../client.js';
import { StartupError } from '../../errors.js';
import { isEmpty, seedDemo } from './demo.js';
import { loadThreads } from './threads.js';
import * as words from './vocabulary.js';
import {
  chunked,
  escalationColumns,
  escalationValues,
  NOW,
  pick,
  progress,
  randomOffset,
  recent,
  reference,
  weighted,
} from './scale-sql.js';

export interface ScaleSize {
  customers: number;
  consultations: number;
  interactions: number;
  tickets: number;
  escalations: number;
  /** Notes and contact entries spread over the tickets' threads. */
  threadEntries: number;
}

export const SCALES: Record<string, ScaleSize> = {
  large: {
    customers: 200_000,
    consultations: 300_000,
    interactions: 1_000_000,
    tickets: 1_000_000,
    escalations: 50_000,
    threadEntries: 600_000,
  },
  small: {
    customers: 10_000,
    consultations: 15_000,
    interactions: 50_000,
    tickets: 50_000,
    escalations: 2_500,
    threadEntries: 30_000,
  },
};

const TABLES = [
  'customers',
  'customer_medical',
  'consultations',
  'payments',
  'interactions',
  'support_tickets',
  'ticket_entries',
  'escalations',
];

export function parseScale(arg: string | undefined): ScaleSize {
  const size = SCALES[arg ?? 'large'];
  if (!size) throw new StartupError(`Unknown scale "${arg}": use --scale large or --scale small.`);
  return size;
}

type Query = (sql: string, params?: unknown[]) => Promise<pg.QueryResult>;

/** One scale-seed run: its connection, its sizes, and where it reports progress. */
interface Load {
  q: Query;
  size: ScaleSize;
  say: (line: string) => void;
}

/** Active staff ids by role, as the generated rows pick them. */
interface Team {
  agents: number[];
  admins: number[];
  doctors: number[];
  resolvers: number[];
}

/** The ids a step added to a table: those above base, up to top. */
interface Added {
  base: number;
  top: number;
}

interface Index {
  name: string;
  def: string;
}

const maxId = async (q: Query, table: string) =>
  Number((await q(`SELECT coalesce(max(id), 0) AS id FROM ${table}`)).rows[0].id);

/** Session settings for a bulk load, and the staff the generated rows refer to. */
async function prepareLoad(q: Query): Promise<Team> {
  await q(`SET synchronous_commit = off`);
  await q(`SET maintenance_work_mem = '256MB'`);
  const staff = await q(
    `SELECT role::text AS role, array_agg(id ORDER BY id) AS ids FROM users WHERE active GROUP BY role`,
  );
  const ids = (role: string): number[] => staff.rows.find((row) => row.role === role)?.ids ?? [];
  const team = {
    agents: ids('agent'),
    admins: ids('admin'),
    doctors: ids('doctor'),
    resolvers: [...ids('agent'), ...ids('supervisor')],
  };
  if (!team.agents.length || !team.admins.length || !team.doctors.length)
    throw new StartupError(
      'The database needs at least one active agent, admin and doctor before a scale seed.',
    );
  return team;
}

/** Drops the secondary indexes, noting each in `dropped` as it goes so a failure still rebuilds it. */
async function dropSecondaryIndexes({ q, say }: Load, dropped: Index[]): Promise<void> {
  const indexes = await q(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = ANY($1) AND i.indexdef NOT LIKE 'CREATE UNIQUE%'`,
    [TABLES],
  );
  for (const row of indexes.rows) {
    await q(`DROP INDEX IF EXISTS "${row.name}"`);
    dropped.push(row);
  }
  say(`Dropped ${dropped.length} secondary indexes for the load (rebuilt at the end).`);
}

async function rebuildIndexes({ q, say }: Load, dropped: Index[]): Promise<void> {
  if (!dropped.length) return;
  const rebuildStarted = Date.now();
  let done = 0;
  for (const index of dropped) {
    await q(index.def.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS '));
    progress('indexes', ++done, dropped.length);
  }
  say(`  indexes rebuilt in ${((Date.now() - rebuildStarted) / 1000).toFixed(1)} s`);
}

async function loadCustomers({ q, size }: Load): Promise<Added> {
  const tag = Date.now().toString(36);
  const customerBase = await maxId(q, 'customers');
  await chunked('customers', size.customers, (start, count) =>
    q(
      `INSERT INTO customers (first_name, last_name, full_name, email, phone, phone_digits, date_of_birth, gender,
                              email_verified_at, last_login_at, created_at, updated_at)
       SELECT fn, ln, fn || ' ' || ln, lower(fn || '.' || ln || '.' || i || '.' || $3 || '@bulk.example'), phone,
              regexp_replace(phone, '\\D', '', 'g'), date '1948-01-01' + floor(r3 * 23000)::int,
              ${weighted('r4', { female: 48, male: 47, other: 2, undisclosed: 3 })}::"Gender",
              CASE WHEN r5 < 0.85 THEN joined + interval '30 minutes' END,
              CASE WHEN r5 < 0.9 THEN least(${NOW}, joined + r6 * interval '60 days') END,
              joined, ${NOW}
         FROM (SELECT i, ${pick('$1::text[]', 'random()')} AS fn, ${pick('$2::text[]', 'random()')} AS ln,
                      '+234 80' || (1 + floor(random() * 9))::int || ' ' || lpad(floor(random() * 1000)::int::text, 3, '0') || ' '
                        || lpad(floor(random() * 10000)::int::text, 4, '0') AS phone,
                      random() AS r3, random() AS r4, random() AS r5, random() AS r6,
                      ${recent('i', size.customers, 730)} AS joined
                 FROM generate_series($4::int, $5::int) AS i) s`,
      [words.FIRST_NAMES, words.LAST_NAMES, tag, start + 1, start + count],
    ),
  );
  const customerTop = await maxId(q, 'customers');
  await chunked('customer medical', size.customers, (start, count) =>
    q(
      `INSERT INTO customer_medical (customer_id, blood_group, genotype, allergies, chronic_conditions, current_medications, updated_at)
       SELECT c.id, ${pick('$1::text[]', 'random()')}, ${pick('$2::text[]', 'random()')}, ${pick('$3::text[]', 'random()')},
              ${pick('$4::text[]', 'random()')}, ${pick('$5::text[]', 'random()')}, ${NOW}
         FROM customers c WHERE c.id BETWEEN $6 AND $7`,
      [
        words.BLOOD_GROUPS,
        words.GENOTYPES,
        words.ALLERGIES,
        words.CONDITIONS,
        words.MEDICATIONS,
        customerBase + start + 1,
        customerBase + start + count,
      ],
    ),
  );
  return { base: customerBase, top: customerTop };
}

/** Skewed activity: power(random(), 3) makes the first tenth of patients generate ~46% of contacts. */
function someCustomerSql(customers: Added): string {
  const customerSpan = customers.top - customers.base;
  return `(${customers.base + 1} + floor(power(random(), 3) * ${customerSpan})::int)`;
}

/** What the activity steps draw on: the staff and a skewed pick of the new customers. */
interface Cast {
  team: Team;
  someCustomer: string;
}

async function loadConsultations({ q, size }: Load, { team, someCustomer }: Cast): Promise<Added> {
  const { doctors } = team;
  const consultationBase = await maxId(q, 'consultations');
  const cnsOffset = randomOffset();
  await chunked('consultations', size.consultations, (start, count) =>
    q(
      `INSERT INTO consultations (reference, customer_id, doctor_id, mode, payment_model, payment_status, amount_minor, status,
                                  scheduled_for, scheduled_at, started_at, ended_at, cancelled_at, cancel_reason, created_at, updated_at)
       SELECT ${reference('CNS', 'i', cnsOffset)}, c.id, CASE WHEN status <> 'pending' THEN ${pick('$1::int[]', 'r1')} END,
              ${weighted('r2', { video: 45, voice: 30, chat: 25 })}::"ConsultationMode", model::"PaymentModel",
              (CASE WHEN model = 'pay_first' THEN 'paid' WHEN status = 'completed' THEN ${weighted('r3', { paid: 60, pending: 15, unpaid: 25 })} ELSE 'unpaid' END)::"PaymentStatus",
              (ARRAY[500000, 750000, 1000000, 1500000])[1 + floor(r4 * 4)::int], status::"ConsultationStatus",
              CASE WHEN status <> 'pending' THEN created + hours * interval '1 hour' END,
              CASE WHEN status <> 'pending' THEN created + interval '20 minutes' END,
              CASE WHEN status = 'completed' THEN created + hours * interval '1 hour' END,
              CASE WHEN status = 'completed' THEN created + hours * interval '1 hour' + (8 + floor(r5 * 38)) * interval '1 minute' END,
              CASE WHEN status = 'cancelled' THEN created + (10 + floor(r5 * 3000)) * interval '1 minute' END,
              CASE WHEN status = 'cancelled' THEN ${pick(`ARRAY['Patient requested', 'Doctor unavailable', 'Payment not completed']`, 'r6')} END,
              created, ${NOW}
         FROM (SELECT i, ${someCustomer} AS cid, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                      random() AS r6, random() AS r7, random() AS r8, (1 + floor(random() * 72))::int AS hours,
                      ${recent('i', size.consultations, 365)} AS at
                 FROM generate_series($2::int, $3::int) AS i) s
         JOIN customers c ON c.id = s.cid
         CROSS JOIN LATERAL (SELECT ${weighted('s.r7', { completed: 55, scheduled: 15, pending: 15, cancelled: 15 })} AS status,
                                    ${weighted('s.r8', { pay_first: 40, pay_later: 60 })} AS model) w
         CROSS JOIN LATERAL (SELECT greatest(s.at, c.created_at + interval '1 hour') AS created) t`,
      [doctors, start + 1, start + count],
    ),
  );
  return { base: consultationBase, top: await maxId(q, 'consultations') };
}

async function loadPayments({ q, say }: Load, consultations: Added): Promise<void> {
  const { base: consultationBase, top: consultationTop } = consultations;
  const payOffset = randomOffset();
  const paymentTotal = Number(
    (
      await q(
        `SELECT count(*)::int AS n FROM consultations WHERE id > $1 AND payment_status <> 'unpaid'`,
        [consultationBase],
      )
    ).rows[0].n,
  );
  await chunked('payments', consultationTop - consultationBase, (start, count) =>
    q(
      `INSERT INTO payments (reference, customer_id, consultation_id, amount_minor, status, method, paid_at, created_at)
       SELECT ${reference('PAY', 'id', payOffset)}, customer_id, id, amount_minor, payment_status,
              ${pick(`ARRAY['card', 'bank transfer', 'USSD']`, 'random()')},
              CASE WHEN payment_status = 'paid' THEN coalesce(ended_at, created_at) + interval '30 minutes' END, created_at
         FROM consultations WHERE id BETWEEN $1 AND $2 AND payment_status <> 'unpaid'`,
      [consultationBase + start + 1, consultationBase + start + count],
    ),
  );
  say(`  ${paymentTotal.toLocaleString('en')} payments`);
}

async function loadInteractions({ q, size }: Load, { team, someCustomer }: Cast): Promise<Added> {
  const { agents } = team;
  const interactionBase = await maxId(q, 'interactions');
  await chunked('interactions', size.interactions, (start, count) =>
    q(
      `INSERT INTO interactions (customer_id, agent_id, channel, status, subject, started_at, first_response_at, ended_at,
                                 duration_seconds, created_at, updated_at)
       SELECT c.id, ${pick('$1::int[]', 'r1')}, ${weighted('r2', { chat: 50, call: 35, email: 15 })}::"InteractionChannel",
              status::"InteractionStatus", ${pick(`ARRAY['Booking help', 'Payment question', 'Login trouble', 'Prescription follow-up', 'General enquiry']`, 'r3')},
              started, started + (10 + floor(r4 * 590)) * interval '1 second',
              CASE WHEN status = 'resolved' THEN started + secs * interval '1 second' END,
              CASE WHEN status = 'resolved' THEN secs END, started, ${NOW}
         FROM (SELECT i, ${someCustomer} AS cid, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                      (120 + floor(power(random(), 1.5) * 3300))::int AS secs, ${recent('i', size.interactions, 365)} AS at
                 FROM generate_series($2::int, $3::int) AS i) s
         JOIN customers c ON c.id = s.cid
         CROSS JOIN LATERAL (SELECT greatest(s.at, c.created_at + interval '5 minutes') AS started) t
         CROSS JOIN LATERAL (SELECT CASE WHEN t.started > ${NOW} - interval '3 hours'
                                         THEN ${weighted('r5', { active: 50, pending: 20, resolved: 30 })}
                                         ELSE ${weighted('r5', { resolved: 93, pending: 6, active: 1 })} END AS status) u`,
      [agents, start + 1, start + count],
    ),
  );
  return { base: interactionBase, top: await maxId(q, 'interactions') };
}

/** The earlier steps' rows that tickets and escalations are raised from. */
interface Sources {
  interactions: Added;
  consultations: Added;
}

// Tickets: 40% raised from an interaction (same customer, from about the same time), 15% from a consultation.
async function loadTickets(load: Load, cast: Cast, sources: Sources): Promise<Added> {
  const { q, size } = load;
  const { someCustomer } = cast;
  const { agents, resolvers } = cast.team;
  const { base: interactionBase, top: interactionTop } = sources.interactions;
  const { base: consultationBase, top: consultationTop } = sources.consultations;
  const ticketBase = await maxId(q, 'support_tickets');
  const tktOffset = randomOffset();
  const subjects = ['billing', 'appointment', 'technical', 'medical'].map(
    (c) => words.TICKET_SUBJECTS[c],
  );
  await chunked('tickets', size.tickets, (start, count) =>
    q(
      `INSERT INTO support_tickets (number, customer_id, interaction_id, consultation_id, category, priority, status, subject, description,
                                    assignee_id, created_by_id, first_response_at, pending_since, paused_seconds, resolved_at,
                                    resolved_by_id, created_at, updated_at)
       SELECT ${reference('TKT', 'i', tktOffset)}, c.id, it.id, cn.id, category::"TicketCategory", priority::"TicketPriority",
              u.status::"TicketStatus",
              CASE category WHEN 'billing' THEN ${pick('$1::text[]', 'r1')} WHEN 'appointment' THEN ${pick('$2::text[]', 'r1')}
                            WHEN 'technical' THEN ${pick('$3::text[]', 'r1')} ELSE ${pick('$4::text[]', 'r1')} END,
              'Customer reported the issue through the support line. Details captured by the agent.',
              CASE WHEN u.status = 'open' AND r2 < 0.5 THEN NULL ELSE ${pick('$5::int[]', 'r3')} END, ${pick('$5::int[]', 'r3')},
              CASE WHEN u.status = 'open' AND r2 < 0.5 THEN NULL ELSE created + (5 + floor(r4 * 595)) * interval '1 minute' END,
              CASE WHEN u.status = 'pending' THEN least(${NOW}, created + (30 + floor(r4 * 570)) * interval '1 minute') END,
              CASE WHEN u.status = 'resolved' AND r6 < 0.3 THEN (600 + floor(r7 * 6600))::int ELSE 0 END,
              CASE WHEN u.status = 'resolved' THEN least(${NOW}, created + (20 + floor(power(r8, 2) * 7200)) * interval '1 minute') END,
              CASE WHEN u.status = 'resolved' THEN ${pick('$6::int[]', 'r9')} END,
              created, ${NOW}
         FROM (SELECT i, ${someCustomer} AS cid, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r6,
                      random() AS r7, random() AS r8, random() AS r9, random() AS rs, random() AS rc, random() AS rp,
                      ${recent('i', size.tickets, 365)} AS at,
                      CASE WHEN random() < 0.4 THEN ${interactionBase} + greatest(1, floor((i - random() * 20) / ${size.tickets} * ${interactionTop - interactionBase})::int) END AS iid,
                      CASE WHEN random() < 0.15 THEN ${consultationBase} + greatest(1, floor((i - random() * 20) / ${size.tickets} * ${consultationTop - consultationBase})::int) END AS kid
                 FROM generate_series($7::int, $8::int) AS i) s
         CROSS JOIN LATERAL (SELECT ${weighted('s.rc', { billing: 30, appointment: 30, technical: 25, medical: 15 })} AS category,
                                    ${weighted('s.rp', { low: 20, medium: 45, high: 25, urgent: 10 })} AS priority) w
         LEFT JOIN interactions it ON it.id = s.iid
         LEFT JOIN consultations cn ON cn.id = s.kid AND it.id IS NULL
         JOIN customers c ON c.id = coalesce(it.customer_id, cn.customer_id, s.cid)
         CROSS JOIN LATERAL (SELECT greatest(s.at, coalesce(it.started_at, cn.created_at, c.created_at) + interval '10 minutes') AS created) t
         CROSS JOIN LATERAL (SELECT CASE WHEN t.created > ${NOW} - interval '14 days'
                                         THEN ${weighted('rs', { resolved: 55, open: 20, pending: 19, escalated: 6 })}
                                         ELSE ${weighted('rs', { resolved: 95, open: 2, pending: 2.5, escalated: 0.5 })} END AS status) u`,
      [...subjects, agents, resolvers, start + 1, start + count],
    ),
  );
  return { base: ticketBase, top: await maxId(q, 'support_tickets') };
}

// Escalations: one for every escalated ticket (live), the rest from random tickets, interactions, consultations.
async function loadEscalations(load: Load, team: Team, sources: Sources & { tickets: Added }) {
  const { q, size } = load;
  const { base: ticketBase, top: ticketTop } = sources.tickets;
  const { base: interactionBase, top: interactionTop } = sources.interactions;
  const { base: consultationBase, top: consultationTop } = sources.consultations;
  const { admins, doctors, agents } = team;
  const escalationParams = [
    admins,
    doctors,
    agents,
    words.ESCALATION_REASONS.admin,
    words.ESCALATION_REASONS.doctor,
    words.OUTCOMES,
  ];
  const live = await q(
    `WITH src AS (SELECT customer_id, id AS ticket_id, NULL::int AS interaction_id, NULL::int AS consultation_id, created_at AS at
                    FROM support_tickets WHERE id > $7 AND status = 'escalated' ORDER BY id LIMIT $8)
     INSERT INTO escalations (${escalationColumns}) ${escalationValues(weighted('r9', { pending: 60, in_progress: 40 }))}`,
    [...escalationParams, ticketBase, size.escalations],
  );
  const liveCount = live.rowCount ?? 0;
  progress('escalations', liveCount, size.escalations);
  await chunked('escalations', size.escalations - liveCount, (_start, count) =>
    q(
      `WITH pick AS (SELECT random() AS kind, random() AS r FROM generate_series(1, $7::int)),
            src AS (SELECT t.customer_id, t.id AS ticket_id, NULL::int AS interaction_id, NULL::int AS consultation_id, t.created_at AS at
                      FROM pick JOIN support_tickets t ON t.id = ${ticketBase + 1} + floor(pick.r * ${ticketTop - ticketBase})::int WHERE pick.kind < 0.3
                    UNION ALL
                    SELECT i.customer_id, NULL, i.id, NULL, i.started_at FROM pick
                      JOIN interactions i ON i.id = ${interactionBase + 1} + floor(pick.r * ${interactionTop - interactionBase})::int WHERE pick.kind >= 0.3 AND pick.kind < 0.8
                    UNION ALL
                    SELECT k.customer_id, NULL, NULL, k.id, k.created_at FROM pick
                      JOIN consultations k ON k.id = ${consultationBase + 1} + floor(pick.r * ${consultationTop - consultationBase})::int WHERE pick.kind >= 0.8)
       INSERT INTO escalations (${escalationColumns}) ${escalationValues(weighted('r9', { pending: 25, in_progress: 15, resolved: 45, closed: 15 }))}`,
      [...escalationParams, count],
    ),
  );
}

async function updateLastActivity({ q, say }: Load): Promise<void> {
  say('Updating customers.last_activity_at');
  await q(
    `UPDATE customers c SET last_activity_at = a.at
       FROM (SELECT customer_id, max(at) AS at FROM (
               SELECT customer_id, max(started_at) AS at FROM interactions GROUP BY customer_id
               UNION ALL SELECT customer_id, max(created_at) FROM support_tickets GROUP BY customer_id
               UNION ALL SELECT customer_id, max(created_at) FROM consultations GROUP BY customer_id
               UNION ALL SELECT customer_id, max(created_at) FROM escalations GROUP BY customer_id) u
             GROUP BY customer_id) a
      WHERE a.customer_id = c.id AND c.last_activity_at IS DISTINCT FROM a.at`,
  );
}

/** The generated rows, table by table, each step drawing on the ids the earlier ones added. */
async function loadRows(load: Load, team: Team): Promise<void> {
  const customers = await loadCustomers(load);
  const cast = { team, someCustomer: someCustomerSql(customers) };
  const consultations = await loadConsultations(load, cast);
  await loadPayments(load, consultations);
  const interactions = await loadInteractions(load, cast);
  const sources = { interactions, consultations };
  const tickets = await loadTickets(load, cast, sources);
  await loadThreads(load.q, { entries: load.size.threadEntries, agents: team.agents, tickets });
  await loadEscalations(load, team, { ...sources, tickets });
  await updateLastActivity(load);
}

export async function seedLarge(db: Db, pool: pg.Pool, sizeArg?: string): Promise<void> {
  const size = parseScale(sizeArg);
  const say = (line: string) => process.stdout.write(line + '\n');
  const started = Date.now();

  if (await isEmpty(db)) {
    say('Empty database: creating the demo staff and 50 demo patients first');
    await seedDemo(db, { customers: 50 });
  }
  const client = await pool.connect();
  const load: Load = { q: (sql, params = []) => client.query(sql, params), size, say };
  const dropped: Index[] = [];
  try {
    const team = await prepareLoad(load.q);
    say(
      `Scale seed: ${Object.entries(size)
        .map(([k, v]) => `${v.toLocaleString('en')} ${k}`)
        .join(', ')}`,
    );
    await dropSecondaryIndexes(load, dropped);
    await loadRows(load, team);
  } finally {
    await rebuildIndexes(load, dropped);
    client.release();
  }
  say('VACUUM ANALYZE (statistics and visibility map for index-only scans)');
  for (const table of TABLES) await pool.query(`VACUUM (ANALYZE) ${table}`);
  say(`Scale seed finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
