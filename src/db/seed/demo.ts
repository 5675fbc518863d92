import { hashPassword } from '../../auth/passwords.js';
import { makeReference, phoneDigits } from '../../lib/references.js';
import type { Db } from '../client.js';
import type { Role } from '../../generated/prisma/enums.js';
import { SeededRandom } from './random.js';
import * as words from './vocabulary.js';
import {
  DAY,
  minutes,
  seedConsultations,
  seedEscalations,
  seedInteractions,
  seedPayments,
  seedTickets,
  type DemoRun,
  type DemoTeam,
} from './demo-activity.js';

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

export async function isEmpty(db: Db): Promise<boolean> {
  return (await db.user.count()) === 0;
}

export const DEMO_EMAILS = DEMO_STAFF.map((u) => u.email);

export async function hasDemoAccounts(db: Db): Promise<boolean> {
  return (await db.user.count({ where: { email: { in: DEMO_EMAILS } } })) > 0;
}

async function seedStaff(db: Db): Promise<DemoTeam> {
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
  return {
    agents,
    admins: staff.filter((u) => u.role === 'admin'),
    doctors: staff.filter((u) => u.role === 'doctor'),
    resolvers: [...agents, staff.find((u) => u.role === 'supervisor')!],
  };
}

/** A reference maker that never repeats a value within one run. */
function uniqueReferences(rnd: SeededRandom): DemoRun['ref'] {
  const usedRefs = new Set<string>();
  return (prefix) => {
    let value: string;
    do value = makeReference(prefix, (max) => rnd.int(max));
    while (usedRefs.has(value));
    usedRefs.add(value);
    return value;
  };
}

function customerRow(run: Pick<DemoRun, 'rnd' | 'now' | 'recentTime'>, i: number) {
  const { rnd, now, recentTime } = run;
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
}

/** The patients, each with a medical record. */
async function seedCustomers(run: Omit<DemoRun, 'touch' | 'activeCustomer'>, count: number) {
  const { db, rnd } = run;
  const customers = await db.customer.createManyAndReturn({
    data: Array.from({ length: count }, (_, i) => customerRow(run, i)),
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
  return customers;
}

// One UPDATE ... FROM (VALUES ...) rather than a query per customer.
async function saveLastActivity(db: Db, lastActivity: Map<number, number>): Promise<void> {
  const entries = [...lastActivity.entries()];
  if (!entries.length) return;
  const values = entries.map(([id, at]) => `(${id}, to_timestamp(${at / 1000}))`).join(',');
  await db.$executeRawUnsafe(
    `UPDATE customers c SET last_activity_at = v.at FROM (VALUES ${values}) AS v(id, at) WHERE c.id = v.id`,
  );
}

/** Demo accounts and a few hundred patients with activity in every module and status. */
export async function seedDemo(db: Db, size: DemoSize = { customers: 300 }): Promise<void> {
  const rnd = new SeededRandom(size.seed ?? 20261124);
  const now = Date.now();
  const team = await seedStaff(db);
  const recentTime = (maxDays: number) =>
    now - Math.floor(Math.pow(rnd.next(), 2) * maxDays * DAY) - rnd.int(DAY / 2);
  const base = { db, rnd, now, ref: uniqueReferences(rnd), recentTime };
  const customers = await seedCustomers(base, size.customers);

  const lastActivity = new Map<number, number>();
  const run: DemoRun = {
    ...base,
    touch: (customerId, at) =>
      lastActivity.set(customerId, Math.max(lastActivity.get(customerId) ?? 0, at)),
    activeCustomer: () => customers[Math.floor(Math.pow(rnd.next(), 1.6) * customers.length)],
  };
  const consultations = await seedConsultations(run, size.customers, team);
  await seedPayments(run, consultations);
  const interactions = await seedInteractions(run, size.customers, team);
  const records = { interactions, consultations };
  const tickets = await seedTickets(run, { customerCount: size.customers, records, team });
  await seedEscalations(run, { ...records, tickets }, team);
  await saveLastActivity(db, lastActivity);
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
