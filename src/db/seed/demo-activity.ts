// The demo's activity: consultations with payments, interactions with notes, tickets and
// escalations. Every step draws from one SeededRandom in a fixed order, so the same seed always
// yields the same rows: keep the order of the draws when changing a step.
import type { Db } from '../client.js';
import type { SeededRandom } from './random.js';
import * as words from './vocabulary.js';

export const DAY = 86_400_000;
export const minutes = (n: number) => n * 60_000;

/** The shared state of one demo seed run. */
export interface DemoRun {
  db: Db;
  rnd: SeededRandom;
  now: number;
  ref: (prefix: 'TKT' | 'CNS' | 'PAY') => string;
  /** A time within the last maxDays; recent days are busier than old ones. */
  recentTime: (maxDays: number) => number;
  /** Notes activity for a customer's last_activity_at. */
  touch: (customerId: number, at: number) => void;
  /** A customer, skewed so a minority of patients generate most of the contacts. */
  activeCustomer: () => { id: number; createdAt: Date };
}

interface StaffMember {
  id: number;
}

export interface DemoTeam {
  agents: StaffMember[];
  admins: StaffMember[];
  doctors: StaffMember[];
  resolvers: StaffMember[];
}

function paymentStatusOf(rnd: SeededRandom, paymentModel: string, status: string) {
  if (paymentModel === 'pay_first') return 'paid';
  return status === 'completed' ? rnd.weighted({ paid: 60, pending: 15, unpaid: 25 }) : 'unpaid';
}

function consultationRow(
  { rnd, now, ref, recentTime, touch, activeCustomer }: DemoRun,
  doctors: StaffMember[],
) {
  const customer = activeCustomer();
  const created = Math.max(customer.createdAt.getTime(), recentTime(180));
  const status = rnd.weighted({ completed: 55, scheduled: 15, pending: 15, cancelled: 15 });
  const paymentModel = rnd.weighted({ pay_first: 40, pay_later: 60 });
  const doctor = status === 'pending' ? null : rnd.pick(doctors);
  const scheduledFor = status === 'pending' ? null : created + rnd.between(1, 72) * 3_600_000;
  const startedAt = status === 'completed' ? scheduledFor! : null;
  const endedAt = startedAt ? startedAt + minutes(rnd.between(8, 45)) : null;
  const paymentStatus = paymentStatusOf(rnd, paymentModel, status);
  touch(customer.id, created);
  return {
    reference: ref('CNS'),
    customerId: customer.id,
    doctorId: doctor?.id ?? null,
    mode: rnd.weighted({ video: 45, voice: 30, chat: 25 }),
    paymentModel,
    paymentStatus,
    amountMinor: rnd.pick([500000, 750000, 1000000, 1500000]),
    status,
    scheduledFor: scheduledFor && scheduledFor <= now + 7 * DAY ? new Date(scheduledFor) : null,
    scheduledAt: doctor ? new Date(created + minutes(rnd.between(5, 90))) : null,
    startedAt: startedAt ? new Date(startedAt) : null,
    endedAt: endedAt ? new Date(endedAt) : null,
    cancelledAt: status === 'cancelled' ? new Date(created + minutes(rnd.between(10, 3000))) : null,
    cancelReason:
      status === 'cancelled'
        ? rnd.pick(['Patient requested', 'Doctor unavailable', 'Payment not completed'])
        : null,
    createdAt: new Date(created),
  } as const;
}

type DemoConsultation = Awaited<ReturnType<typeof seedConsultations>>[number];

/** Consultations, with medical notes for the completed ones. */
export async function seedConsultations(run: DemoRun, customerCount: number, team: DemoTeam) {
  const { db, rnd } = run;
  const rows = Array.from({ length: Math.round(customerCount * 1.3) }, () =>
    consultationRow(run, team.doctors),
  );
  const consultations = await db.consultation.createManyAndReturn({
    data: rows.map((row) => ({ ...row, status: row.status, paymentStatus: row.paymentStatus })),
    select: {
      id: true,
      customerId: true,
      doctorId: true,
      status: true,
      paymentStatus: true,
      amountMinor: true,
      createdAt: true,
      endedAt: true,
    },
  });
  await db.consultationMedical.createMany({
    data: consultations
      .filter((c) => c.status === 'completed')
      .map((c) => {
        const i = rnd.int(words.COMPLAINTS.length);
        return {
          consultationId: c.id,
          recordedById: c.doctorId,
          presentingComplaint: words.COMPLAINTS[i],
          diagnosis: words.DIAGNOSES[i],
          treatmentPlan: words.PLANS[i],
          medicalHistory: 'Reviewed with patient.',
          prescribedMedication: rnd.pick(words.MEDICATIONS),
          followUpInstructions: 'Return if symptoms persist beyond one week.',
        };
      }),
  });
  return consultations;
}

/** A payment for every consultation that is paid or waiting for its money. */
export async function seedPayments({ db, rnd, ref }: DemoRun, consultations: DemoConsultation[]) {
  await db.payment.createMany({
    data: consultations
      .filter((c) => c.paymentStatus !== 'unpaid')
      .map((c) => ({
        reference: ref('PAY'),
        customerId: c.customerId,
        consultationId: c.id,
        amountMinor: c.amountMinor,
        status: c.paymentStatus,
        method: rnd.pick(['card', 'bank transfer', 'USSD']),
        paidAt:
          c.paymentStatus === 'paid'
            ? new Date(
                (c.endedAt ?? c.createdAt).getTime() - (c.endedAt ? 0 : minutes(5)) + minutes(30),
              )
            : null,
        createdAt: c.createdAt,
      })),
  });
}

function interactionRow(
  { rnd, now, recentTime, touch, activeCustomer }: DemoRun,
  agents: StaffMember[],
) {
  const customer = activeCustomer();
  const started = Math.max(customer.createdAt.getTime(), recentTime(120));
  const status =
    started > now - 3 * 3_600_000
      ? rnd.weighted({ active: 50, pending: 20, resolved: 30 })
      : rnd.weighted({ resolved: 88, pending: 10, active: 2 });
  const ended =
    status === 'resolved' ? started + minutes(rnd.between(2, 55)) + rnd.int(60_000) : null;
  touch(customer.id, started);
  return {
    customerId: customer.id,
    agentId: rnd.pick(agents).id,
    channel: rnd.weighted({ chat: 50, call: 35, email: 15 }),
    status,
    subject: rnd.pick([
      'Booking help',
      'Payment question',
      'Login trouble',
      'Prescription follow-up',
      'General enquiry',
    ]),
    startedAt: new Date(started),
    firstResponseAt: new Date(started + rnd.between(10, 600) * 1000),
    endedAt: ended ? new Date(ended) : null,
    durationSeconds: ended ? Math.round((ended - started) / 1000) : null,
    createdAt: new Date(started),
  } as const;
}

type DemoInteraction = Awaited<ReturnType<typeof seedInteractions>>[number];

/** Interactions, most of them with an agent's note. */
export async function seedInteractions(run: DemoRun, customerCount: number, team: DemoTeam) {
  const { db, rnd } = run;
  const rows = Array.from({ length: Math.round(customerCount * 2) }, () =>
    interactionRow(run, team.agents),
  );
  const interactions = await db.interaction.createManyAndReturn({
    data: rows.map((r) => ({ ...r })),
    select: { id: true, customerId: true, agentId: true, startedAt: true },
  });
  await db.interactionNote.createMany({
    data: interactions
      .filter(() => rnd.chance(0.6))
      .map((i) => ({
        interactionId: i.id,
        authorId: i.agentId,
        createdAt: new Date(i.startedAt.getTime() + minutes(3)),
        body: rnd.pick([
          'Customer confirmed identity via email.',
          'Explained how to reschedule from the app.',
          'Sent payment link again.',
          'Asked customer to update the app and retry.',
        ]),
      })),
  });
  return interactions;
}

/** What earlier steps made that later ones refer to. */
export interface DemoRecords {
  interactions: DemoInteraction[];
  consultations: DemoConsultation[];
}

/** The record a ticket was raised from: an interaction, a consultation, or neither. */
function ticketSource(rnd: SeededRandom, { interactions, consultations }: DemoRecords) {
  const fromInteraction = rnd.chance(0.4) ? rnd.pick(interactions) : null;
  const fromConsultation = !fromInteraction && rnd.chance(0.3) ? rnd.pick(consultations) : null;
  return { fromInteraction, fromConsultation };
}

/** The ticket's source, its customer and when it was raised. */
function ticketOrigin(run: DemoRun, records: DemoRecords) {
  const { fromInteraction, fromConsultation } = ticketSource(run.rnd, records);
  const customerId =
    fromInteraction?.customerId ?? fromConsultation?.customerId ?? run.activeCustomer().id;
  const raisedAt = fromInteraction?.startedAt ?? fromConsultation?.createdAt;
  const created = Math.max(raisedAt?.getTime() ?? 0, run.recentTime(90));
  return {
    customerId,
    interactionId: fromInteraction?.id ?? null,
    consultationId: fromConsultation?.id ?? null,
    created,
  };
}

function ticketState(rnd: SeededRandom, team: DemoTeam, created: number) {
  const category = rnd.weighted({ billing: 30, appointment: 30, technical: 25, medical: 15 });
  const status = rnd.weighted({ resolved: 50, open: 20, pending: 18, escalated: 12 });
  const priority = rnd.weighted({ low: 20, medium: 45, high: 25, urgent: 10 });
  const assignee = status === 'open' && rnd.chance(0.5) ? null : rnd.pick(team.agents);
  const resolvedAt = status === 'resolved' ? created + minutes(rnd.between(20, 5 * 24 * 60)) : null;
  return { category, status, priority, assignee, resolvedAt };
}

function ticketRow(run: DemoRun, records: DemoRecords, team: DemoTeam) {
  const { rnd, now, ref, touch } = run;
  const { created, ...origin } = ticketOrigin(run, records);
  const { category, status, priority, assignee, resolvedAt } = ticketState(rnd, team, created);
  touch(origin.customerId, created);
  return {
    number: ref('TKT'),
    ...origin,
    category,
    priority,
    status,
    subject: rnd.pick(words.TICKET_SUBJECTS[category]),
    description:
      'Customer reported the issue through the support line. Details captured by the agent.',
    assigneeId: assignee?.id ?? null,
    createdById: (assignee ?? rnd.pick(team.agents)).id,
    firstResponseAt:
      status === 'open' && !assignee ? null : new Date(created + minutes(rnd.between(5, 600))),
    pendingSince:
      status === 'pending'
        ? new Date(Math.min(now, created + minutes(rnd.between(30, 600))))
        : null,
    pausedSeconds: status === 'resolved' && rnd.chance(0.3) ? rnd.between(600, 7200) : 0,
    resolvedAt: resolvedAt ? new Date(Math.min(now, resolvedAt)) : null,
    resolvedById: resolvedAt ? rnd.pick(team.resolvers).id : null,
    createdAt: new Date(created),
  } as const;
}

type DemoTicket = Awaited<ReturnType<typeof seedTickets>>[number];

/** Tickets, some raised from interactions or consultations. */
export async function seedTickets(
  run: DemoRun,
  { customerCount, records, team }: { customerCount: number; records: DemoRecords; team: DemoTeam },
) {
  const rows = Array.from({ length: Math.round(customerCount * 1.2) }, () =>
    ticketRow(run, records, team),
  );
  return run.db.supportTicket.createManyAndReturn({
    data: rows.map((r) => ({ ...r })),
    select: {
      id: true,
      customerId: true,
      status: true,
      createdAt: true,
      interactionId: true,
      consultationId: true,
    },
  });
}

interface EscalationSource {
  ticketId: number | null;
  interactionId: number | null;
  consultationId: number | null;
  customerId: number;
  at: number;
  /** true: the ticket is escalated now; false: the ticket was resolved; null: not a ticket. */
  live: boolean | null;
}

/** Every escalated ticket has one, plus some from resolved tickets, interactions, consultations. */
function escalationSources(
  rnd: SeededRandom,
  { interactions, consultations, tickets }: DemoRecords & { tickets: DemoTicket[] },
): EscalationSource[] {
  const none = { ticketId: null, interactionId: null, consultationId: null, live: null };
  return [
    ...tickets
      .filter((t) => t.status === 'escalated' || (t.status === 'resolved' && rnd.chance(0.1)))
      .map((t) => ({
        ...none,
        ticketId: t.id,
        customerId: t.customerId,
        at: t.createdAt.getTime(),
        live: t.status === 'escalated',
      })),
    ...interactions
      .filter(() => rnd.chance(0.04))
      .map((i) => ({
        ...none,
        interactionId: i.id,
        customerId: i.customerId,
        at: i.startedAt.getTime(),
      })),
    ...consultations
      .filter(() => rnd.chance(0.03))
      .map((c) => ({
        ...none,
        consultationId: c.id,
        customerId: c.customerId,
        at: c.createdAt.getTime(),
      })),
  ];
}

function escalationStatus(rnd: SeededRandom, live: boolean | null) {
  if (live === true) return rnd.weighted({ pending: 60, in_progress: 40 });
  if (live === false) return 'resolved';
  return rnd.weighted({ pending: 25, in_progress: 15, resolved: 45, closed: 15 });
}

function escalationRow(run: DemoRun, source: EscalationSource, team: DemoTeam) {
  const { rnd, now, touch } = run;
  const targetType = rnd.weighted({ admin: 55, doctor: 45 });
  const target = rnd.pick(targetType === 'admin' ? team.admins : team.doctors);
  const created = Math.min(now - minutes(5), source.at + minutes(rnd.between(10, 600)));
  const status = escalationStatus(rnd, source.live);
  const done = status === 'resolved' || status === 'closed';
  touch(source.customerId, created);
  const raisedById = rnd.pick(team.agents).id;
  const reason = rnd.pick(words.ESCALATION_REASONS[targetType]);
  const takenAt = status === 'pending' ? null : new Date(created + minutes(rnd.between(5, 240)));
  const outcome = done ? rnd.pick(words.OUTCOMES) : null;
  const resolvedAt = done
    ? new Date(Math.min(now, created + minutes(rnd.between(60, 3000))))
    : null;
  return {
    customerId: source.customerId,
    ticketId: source.ticketId,
    interactionId: source.interactionId,
    consultationId: source.consultationId,
    targetType,
    targetUserId: target.id,
    raisedById,
    reason,
    status,
    takenAt,
    outcome,
    resolvedAt,
    resolvedById: done ? target.id : null,
    createdAt: new Date(created),
  };
}

export async function seedEscalations(
  run: DemoRun,
  records: DemoRecords & { tickets: DemoTicket[] },
  team: DemoTeam,
): Promise<void> {
  const sources = escalationSources(run.rnd, records);
  await run.db.escalation.createMany({
    data: sources.map((source) => escalationRow(run, source, team)),
  });
}
