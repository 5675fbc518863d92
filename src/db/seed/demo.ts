import { hashPassword } from '../../auth/passwords.js';
import { makeReference, phoneDigits } from '../../lib/references.js';
import type { Db } from '../client.js';
import type { Role } from '../../generated/prisma/enums.js';
import { SeededRandom } from './random.js';
import * as words from './vocabulary.js';

export const DEMO_PASSWORD = 'caredesk-demo';

const DEMO_STAFF: { email: string; name: string; role: Role; specialization?: string }[] = [
  { email: 'agent@caredesk.test', name: 'Amara Agent', role: 'agent' },
  { email: 'agent2@caredesk.test', name: 'Bayo Okoro', role: 'agent' },
  { email: 'agent3@caredesk.test', name: 'Chidinma Ude', role: 'agent' },
  { email: 'agent4@caredesk.test', name: 'Dapo Sanni', role: 'agent' },
  { email: 'supervisor@caredesk.test', name: 'Sola Supervisor', role: 'supervisor' },
  { email: 'admin@caredesk.test', name: 'Ada Admin', role: 'admin' },
  { email: 'admin2@caredesk.test', name: 'Kayode Billing', role: 'admin' },
  {
    email: 'doctor@caredesk.test',
    name: 'Dr. Dayo Doctor',
    role: 'doctor',
    specialization: 'General practice',
  },
  {
    email: 'doctor2@caredesk.test',
    name: 'Dr. Ifeoma Nwachukwu',
    role: 'doctor',
    specialization: 'Paediatrics',
  },
  {
    email: 'doctor3@caredesk.test',
    name: 'Dr. Hassan Lawal',
    role: 'doctor',
    specialization: 'Dermatology',
  },
];

export interface DemoSize {
  customers: number;
  seed?: number;
}

const DAY = 86_400_000;
const minutes = (n: number) => n * 60_000;

export async function isEmpty(db: Db): Promise<boolean> {
  return (await db.user.count()) === 0;
}

export const DEMO_EMAILS = DEMO_STAFF.map((u) => u.email);

export async function hasDemoAccounts(db: Db): Promise<boolean> {
  return (await db.user.count({ where: { email: { in: DEMO_EMAILS } } })) > 0;
}

/** Demo accounts and a few hundred patients with activity in every module and status. */
export async function seedDemo(db: Db, size: DemoSize = { customers: 300 }): Promise<void> {
  const rnd = new SeededRandom(size.seed ?? 20261124);
  const now = Date.now();
  const passwordHash = await hashPassword(DEMO_PASSWORD);

  const staff = [];
  for (const person of DEMO_STAFF) {
    staff.push(
      await db.user.create({
        data: {
          email: person.email,
          name: person.name,
          role: person.role,
          passwordHash,
          doctorProfile: person.specialization
            ? { create: { specialization: person.specialization, available: true } }
            : undefined,
        },
      }),
    );
  }
  const agents = staff.filter((u) => u.role === 'agent');
  const admins = staff.filter((u) => u.role === 'admin');
  const doctors = staff.filter((u) => u.role === 'doctor');
  const resolvers = [...agents, staff.find((u) => u.role === 'supervisor')!];

  const usedRefs = new Set<string>();
  const ref = (prefix: 'TKT' | 'CNS' | 'PAY') => {
    let value: string;
    do value = makeReference(prefix, (max) => rnd.int(max));
    while (usedRefs.has(value));
    usedRefs.add(value);
    return value;
  };
  // Recent days are busier than old ones.
  const recentTime = (maxDays: number) =>
    now - Math.floor(Math.pow(rnd.next(), 2) * maxDays * DAY) - rnd.int(DAY / 2);

  const customerRows = Array.from({ length: size.customers }, (_, i) => {
    const firstName = rnd.pick(words.FIRST_NAMES);
    const lastName = rnd.pick(words.LAST_NAMES);
    const phone = `+234 80${rnd.between(1, 9)} ${String(rnd.int(1000)).padStart(3, '0')} ${String(rnd.int(10000)).padStart(4, '0')}`;
    const joined = recentTime(400);
    return {
      firstName,
      lastName,
      fullName: `${firstName} ${lastName}`,
      email: `${firstName}.${lastName}.${i + 1}@patients.example`.toLowerCase(),
      phone,
      phoneDigits: phoneDigits(phone),
      dateOfBirth: new Date(Date.UTC(rnd.between(1948, 2012), rnd.int(12), rnd.between(1, 28))),
      gender: rnd.weighted({ female: 48, male: 47, other: 2, undisclosed: 3 }),
      emailVerifiedAt: rnd.chance(0.85) ? new Date(joined + minutes(rnd.between(2, 600))) : null,
      lastLoginAt: rnd.chance(0.9) ? new Date(Math.min(now, joined + rnd.int(60) * DAY)) : null,
      createdAt: new Date(joined),
    };
  });
  const customers = await db.customer.createManyAndReturn({
    data: customerRows,
    select: { id: true, createdAt: true },
  });
  await db.customerMedical.createMany({
    data: customers.map((c) => ({
      customerId: c.id,
      bloodGroup: rnd.pick(words.BLOOD_GROUPS),
      genotype: rnd.pick(words.GENOTYPES),
      allergies: rnd.pick(words.ALLERGIES),
      chronicConditions: rnd.pick(words.CONDITIONS),
      medicalHistory: rnd.chance(0.5) ? 'Appendectomy in childhood.' : 'No significant history.',
      currentMedications: rnd.pick(words.MEDICATIONS),
    })),
  });

  const lastActivity = new Map<number, number>();
  const touch = (customerId: number, at: number) =>
    lastActivity.set(customerId, Math.max(lastActivity.get(customerId) ?? 0, at));
  // Activity is skewed: a minority of patients generate most of the contacts.
  const activeCustomer = () => customers[Math.floor(Math.pow(rnd.next(), 1.6) * customers.length)];

  // Consultations and their payments.
  const consultationRows = Array.from({ length: Math.round(size.customers * 1.3) }, () => {
    const customer = activeCustomer();
    const created = Math.max(customer.createdAt.getTime(), recentTime(180));
    const status = rnd.weighted({ completed: 55, scheduled: 15, pending: 15, cancelled: 15 });
    const paymentModel = rnd.weighted({ pay_first: 40, pay_later: 60 });
    const doctor = status === 'pending' ? null : rnd.pick(doctors);
    const scheduledFor = status === 'pending' ? null : created + rnd.between(1, 72) * 3_600_000;
    const startedAt = status === 'completed' ? scheduledFor! : null;
    const endedAt = startedAt ? startedAt + minutes(rnd.between(8, 45)) : null;
    const paymentStatus =
      paymentModel === 'pay_first'
        ? 'paid'
        : status === 'completed'
          ? rnd.weighted({ paid: 60, pending: 15, unpaid: 25 })
          : 'unpaid';
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
      cancelledAt:
        status === 'cancelled' ? new Date(created + minutes(rnd.between(10, 3000))) : null,
      cancelReason:
        status === 'cancelled'
          ? rnd.pick(['Patient requested', 'Doctor unavailable', 'Payment not completed'])
          : null,
      createdAt: new Date(created),
    } as const;
  });
  const consultations = await db.consultation.createManyAndReturn({
    data: consultationRows.map((row) => ({
      ...row,
      status: row.status,
      paymentStatus: row.paymentStatus,
    })),
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

  // Interactions with notes.
  const interactionRows = Array.from({ length: Math.round(size.customers * 2) }, () => {
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
  });
  const interactions = await db.interaction.createManyAndReturn({
    data: interactionRows.map((r) => ({ ...r })),
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

  // Tickets, some raised from interactions or consultations.
  const ticketRows = Array.from({ length: Math.round(size.customers * 1.2) }, () => {
    const fromInteraction = rnd.chance(0.4) ? rnd.pick(interactions) : null;
    const fromConsultation = !fromInteraction && rnd.chance(0.3) ? rnd.pick(consultations) : null;
    const customerId =
      fromInteraction?.customerId ?? fromConsultation?.customerId ?? activeCustomer().id;
    const created = Math.max(
      fromInteraction?.startedAt.getTime() ?? fromConsultation?.createdAt.getTime() ?? 0,
      recentTime(90),
    );
    const category = rnd.weighted({ billing: 30, appointment: 30, technical: 25, medical: 15 });
    const status = rnd.weighted({ resolved: 50, open: 20, pending: 18, escalated: 12 });
    const priority = rnd.weighted({ low: 20, medium: 45, high: 25, urgent: 10 });
    const assignee = status === 'open' && rnd.chance(0.5) ? null : rnd.pick(agents);
    const resolvedAt =
      status === 'resolved' ? created + minutes(rnd.between(20, 5 * 24 * 60)) : null;
    touch(customerId, created);
    return {
      number: ref('TKT'),
      customerId,
      interactionId: fromInteraction?.id ?? null,
      consultationId: fromConsultation?.id ?? null,
      category,
      priority,
      status,
      subject: rnd.pick(words.TICKET_SUBJECTS[category]),
      description:
        'Customer reported the issue through the support line. Details captured by the agent.',
      assigneeId: assignee?.id ?? null,
      createdById: (assignee ?? rnd.pick(agents)).id,
      firstResponseAt:
        status === 'open' && !assignee ? null : new Date(created + minutes(rnd.between(5, 600))),
      pendingSince:
        status === 'pending'
          ? new Date(Math.min(now, created + minutes(rnd.between(30, 600))))
          : null,
      pausedSeconds: status === 'resolved' && rnd.chance(0.3) ? rnd.between(600, 7200) : 0,
      resolvedAt: resolvedAt ? new Date(Math.min(now, resolvedAt)) : null,
      resolvedById: resolvedAt ? rnd.pick(resolvers).id : null,
      createdAt: new Date(created),
    } as const;
  });
  const tickets = await db.supportTicket.createManyAndReturn({
    data: ticketRows.map((r) => ({ ...r })),
    select: {
      id: true,
      customerId: true,
      status: true,
      createdAt: true,
      interactionId: true,
      consultationId: true,
    },
  });

  // Escalations: every escalated ticket has one, plus some from interactions and consultations.
  const sources = [
    ...tickets
      .filter((t) => t.status === 'escalated' || (t.status === 'resolved' && rnd.chance(0.1)))
      .map((t) => ({
        ticketId: t.id,
        interactionId: null,
        consultationId: null,
        customerId: t.customerId,
        at: t.createdAt.getTime(),
        live: t.status === 'escalated',
      })),
    ...interactions
      .filter(() => rnd.chance(0.04))
      .map((i) => ({
        ticketId: null,
        interactionId: i.id,
        consultationId: null,
        customerId: i.customerId,
        at: i.startedAt.getTime(),
        live: null,
      })),
    ...consultations
      .filter(() => rnd.chance(0.03))
      .map((c) => ({
        ticketId: null,
        interactionId: null,
        consultationId: c.id,
        customerId: c.customerId,
        at: c.createdAt.getTime(),
        live: null,
      })),
  ];
  await db.escalation.createMany({
    data: sources.map((source) => {
      const targetType = rnd.weighted({ admin: 55, doctor: 45 });
      const target = rnd.pick(targetType === 'admin' ? admins : doctors);
      const created = Math.min(now - minutes(5), source.at + minutes(rnd.between(10, 600)));
      const status =
        source.live === true
          ? rnd.weighted({ pending: 60, in_progress: 40 })
          : source.live === false
            ? 'resolved'
            : rnd.weighted({ pending: 25, in_progress: 15, resolved: 45, closed: 15 });
      const done = status === 'resolved' || status === 'closed';
      touch(source.customerId, created);
      return {
        customerId: source.customerId,
        ticketId: source.ticketId,
        interactionId: source.interactionId,
        consultationId: source.consultationId,
        targetType,
        targetUserId: target.id,
        raisedById: rnd.pick(agents).id,
        reason: rnd.pick(words.ESCALATION_REASONS[targetType]),
        status,
        takenAt: status === 'pending' ? null : new Date(created + minutes(rnd.between(5, 240))),
        outcome: done ? rnd.pick(words.OUTCOMES) : null,
        resolvedAt: done ? new Date(Math.min(now, created + minutes(rnd.between(60, 3000)))) : null,
        resolvedById: done ? target.id : null,
        createdAt: new Date(created),
      };
    }),
  });

  // One UPDATE ... FROM (VALUES ...) rather than a query per customer.
  const entries = [...lastActivity.entries()];
  if (entries.length) {
    const values = entries.map(([id, at]) => `(${id}, to_timestamp(${at / 1000}))`).join(',');
    await db.$executeRawUnsafe(
      `UPDATE customers c SET last_activity_at = v.at FROM (VALUES ${values}) AS v(id, at) WHERE c.id = v.id`,
    );
  }
}

/** Empties every business table (audit trail included) so the demo can be rebuilt. */
export async function resetData(db: Db): Promise<void> {
  await db.$transaction([
    db.$executeRawUnsafe('ALTER TABLE audit_events DISABLE TRIGGER USER'),
    db.$executeRawUnsafe(
      'TRUNCATE audit_events, record_changes, medical_reveals, escalations, support_tickets, interaction_notes, interactions, payments, consultation_medical, consultations, customer_medical, customers, doctor_profiles, users, login_throttles, session RESTART IDENTITY CASCADE',
    ),
    db.$executeRawUnsafe('ALTER TABLE audit_events ENABLE TRIGGER USER'),
    // A new, empty trail starts a new chain.
    db.$executeRawUnsafe('ALTER TABLE audit_chain DISABLE TRIGGER USER'),
    db.$executeRawUnsafe(`UPDATE audit_chain SET seq = 0, hash = repeat('0', 64) WHERE id = 1`),
    db.$executeRawUnsafe('ALTER TABLE audit_chain ENABLE TRIGGER USER'),
  ]);
}
