import sharp from 'sharp';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import type { Database } from '../../src/db/client.js';
import type { Role } from '../../src/generated/prisma/enums.js';
import type { Actor } from '../../src/auth/actor.js';
import { hashResetToken } from '../../src/auth/reset-links.js';
import { sessionHandle } from '../../src/auth/sessions.js';
import { currentCode, newSecret } from '../../src/auth/two-factor.js';
import { createUser, csrfFrom, signIn, STRONG_PASSWORD, TEST_PASSWORD } from './app.js';

export const ACTORS = ['anonymous', 'agent', 'supervisor', 'admin', 'doctor'] as const;
export type ActorName = (typeof ACTORS)[number];
export const ROLES: Role[] = ['agent', 'supervisor', 'admin', 'doctor'];

/** The records `:id` resolves to for one actor: ones that actor may act on wherever its role allows. */
export interface ActorRecords {
  userId: number | null;
  email: string | null;
  customerId: number;
  interactionId: number;
  ticketId: number;
  escalationId: number;
  consultationId: number;
  /** A past reveal, for the admins' review queue. */
  revealId: number;
  /** A staff account (a doctor) the admin manages in /staff/:id. */
  staffId: number;
  /** An unused sign-in link token of an account of the actor's own. */
  resetToken: string;
  /** An entry on the ticket's thread written just now by this actor (so still editable by them). */
  entryId: number;
  cannedReplyId: number;
  followUpId: number;
}

export interface World {
  users: Record<Role, { id: number; email: string }>;
  records: Record<ActorName, ActorRecords>;
}

/** A created user as the `Actor` services take (what `actorOf` gives a request in the app). */
export function actorFrom(user: { id: number; role: Role; name: string }): Actor {
  return { id: user.id, role: user.role, name: user.name };
}

let counter = 0;

/** Random letters only, so generated names and emails never match a digit search. */
const letters = () =>
  randomBytes(4)
    .toString('hex')
    .replace(/\d/g, (d) => 'ghijklmnop'[Number(d)]);

export interface CustomerFields {
  /** The first name's prefix (a counter follows it), when no firstName is given. */
  label?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  dateOfBirth?: Date;
  createdAt?: Date;
  lastActivityAt?: Date | null;
}

/** A customer row with fullName and phoneDigits kept consistent. */
export async function makeCustomer(db: Database, fields: CustomerFields = {}) {
  counter += 1;
  const firstName = fields.firstName ?? `${fields.label ?? 'Pat'}${counter}`;
  const lastName = fields.lastName ?? `Lee${letters()}`;
  // Fixed digits: a random default could contain the digits another test searches for.
  const phone = fields.phone ?? `+234 700 000 ${String(counter).padStart(4, '0')}`;
  return db.prisma.customer.create({
    data: {
      firstName,
      lastName,
      fullName: `${firstName} ${lastName}`,
      email: fields.email ?? `c${counter}-${letters()}@example.test`,
      phone,
      phoneDigits: phone.replace(/\D/g, ''),
      dateOfBirth: fields.dateOfBirth ?? new Date('1988-03-04'),
      createdAt: fields.createdAt,
      lastActivityAt: fields.lastActivityAt ?? null,
    },
  });
}

export async function makeInteraction(db: Database, customerId: number, agentId: number) {
  return db.prisma.interaction.create({
    data: { customerId, agentId, channel: 'chat', subject: 'Billing question' },
  });
}

export async function makeTicket(
  db: Database,
  customerId: number,
  createdById: number,
  assigneeId: number | null,
) {
  counter += 1;
  const number = `TKT-F${String(counter).padStart(7, '0')}`;
  return db.prisma.supportTicket.create({
    data: {
      number,
      customerId,
      category: 'billing',
      priority: 'medium',
      subject: 'Refund not received',
      description: 'Customer paid twice.',
      createdById,
      assigneeId,
    },
  });
}

export async function makeConsultation(
  db: Database,
  customerId: number,
  fields: Partial<{
    doctorId: number | null;
    status: 'pending' | 'scheduled' | 'completed' | 'cancelled';
    paymentModel: 'pay_first' | 'pay_later';
    paymentStatus: 'unpaid' | 'pending' | 'paid';
    createdAt: Date;
  }> = {},
) {
  counter += 1;
  return db.prisma.consultation.create({
    data: {
      reference: `CNS-F${String(counter).padStart(7, '0')}`,
      customerId,
      doctorId: fields.doctorId ?? null,
      mode: 'video',
      paymentModel: fields.paymentModel ?? 'pay_later',
      paymentStatus: fields.paymentStatus ?? 'unpaid',
      amountMinor: 500_000,
      status: fields.status ?? 'pending',
      createdAt: fields.createdAt,
    },
  });
}

export async function makeEscalation(
  db: Database,
  data: {
    customerId: number;
    ticketId: number;
    raisedById: number;
    targetType: 'admin' | 'doctor';
    targetUserId: number;
  },
) {
  return db.prisma.escalation.create({
    data: { ...data, reason: 'Needs a decision beyond the desk.' },
  });
}

/**
 * One user per role, and for every actor its own customer, interaction, ticket, escalation and
 * consultation: the agent's interaction is theirs, tickets are assigned to their actor, the
 * admin's and doctor's escalations are addressed to them (agent's and supervisor's were raised by
 * them, to the admin), the doctor's consultation is assigned to that doctor.
 */
export async function buildWorld(db: Database): Promise<World> {
  const made = await Promise.all(ROLES.map((role) => createUser(db, role)));
  const users = Object.fromEntries(
    made.map((u) => [u.role, { id: u.id, email: u.email }]),
  ) as World['users'];
  const staff = await createUser(db, 'doctor', { name: 'Managed Doctor' });
  const records = {} as Record<ActorName, ActorRecords>;
  for (const actor of ACTORS) {
    const role: Role = actor === 'anonymous' ? 'agent' : actor;
    const self = users[role];
    const staffOwner = role === 'doctor' ? users.agent.id : self.id;
    const customer = await makeCustomer(db);
    const interaction = await makeInteraction(db, customer.id, staffOwner);
    const ticket = await makeTicket(db, customer.id, users.agent.id, staffOwner);
    const escalation = await makeEscalation(db, {
      customerId: customer.id,
      ticketId: ticket.id,
      raisedById: role === 'agent' || role === 'supervisor' ? self.id : users.agent.id,
      targetType: role === 'doctor' ? 'doctor' : 'admin',
      targetUserId: role === 'doctor' ? users.doctor.id : users.admin.id,
    });
    const consultation = await makeConsultation(db, customer.id, { doctorId: users.doctor.id });
    const entry = await db.prisma.ticketEntry.create({
      data: {
        ticketId: ticket.id,
        authorId: staffOwner,
        kind: 'note',
        body: 'Waiting on billing.',
      },
    });
    // The doctor's reveal target is a patient the doctor has no standing access to.
    const revealCustomer =
      role === 'doctor' ? await makeCustomer(db, { label: 'Reveal' }) : customer;
    await db.prisma.customerPhoto.create({
      data: {
        customerId: revealCustomer.id,
        image: new Uint8Array(await tinyPhoto()),
        contentType: 'image/webp',
        width: 4,
        height: 4,
        uploadedById: users.agent.id,
      },
    });
    // Expired, so it grants no access: only the review routes use it.
    const reveal = await db.prisma.medicalReveal.create({
      data: {
        doctorId: users.doctor.id,
        customerId: customer.id,
        reason: 'Covering for a colleague today',
        expiresAt: new Date(0),
      },
    });
    const reply = await db.prisma.cannedReply.create({
      data: {
        title: 'Refund on its way',
        shortcut: `refund-${randomBytes(4).toString('hex')}`,
        category: 'billing',
        body: 'Hello {{customer.firstName}}, your refund for {{ticket.number}} is on its way.',
        createdById: users.admin.id,
      },
    });
    const followUp = await db.prisma.followUp.create({
      data: {
        ticketId: ticket.id,
        ownerId: staffOwner,
        dueAt: new Date(Date.now() - 60_000),
        reason: 'Check refund.',
      },
    });
    records[actor] = {
      userId: actor === 'anonymous' ? null : self.id,
      email: actor === 'anonymous' ? null : self.email,
      customerId: revealCustomer.id,
      interactionId: interaction.id,
      ticketId: ticket.id,
      escalationId: escalation.id,
      consultationId: consultation.id,
      revealId: reveal.id,
      staffId: staff.id,
      resetToken: await makeResetToken(
        db,
        (await createUser(db, 'agent', { name: 'New Starter' })).id,
      ),
      entryId: entry.id,
      cannedReplyId: reply.id,
      followUpId: followUp.id,
    };
  }
  return { users, records };
}

/** A 4 × 4 WebP, as the photo upload stores it. */
export function tinyPhoto(): Promise<Buffer> {
  return sharp({ create: { width: 4, height: 4, channels: 3, background: '#4080c0' } })
    .webp()
    .toBuffer();
}

/** An unused 24-hour sign-in link for the user, as an admin would have issued it. */
export async function makeResetToken(db: Database, userId: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.prisma.passwordReset.create({
    data: {
      userId,
      tokenHash: hashResetToken(token),
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  return token;
}

/** A session row of the user's, as another browser of theirs would have left it. */
export async function makeOtherSession(db: Database, userId: number): Promise<string> {
  const sid = randomBytes(16).toString('hex');
  const sess = {
    cookie: { originalMaxAge: 1_800_000 },
    passport: { user: userId },
    client: {
      userAgent: 'Mozilla/5.0 (X11; Linux) Firefox/140.0',
      ip: '203.0.113.9',
      signedInAt: Date.now(),
    },
  };
  await db.pool.query(
    `INSERT INTO session (sid, sess, expire) VALUES ($1, $2, now() + interval '30 minutes')`,
    [sid, JSON.stringify(sess)],
  );
  return sessionHandle(sid);
}

/** Fills `:id` (and `:token`) in a route path with the actor's record of that module. */
export function concretePath(path: string, records: ActorRecords): string {
  if (path.includes(':token')) return path.replace(':token', records.resetToken);
  if (!path.includes(':id')) return path;
  if (path.startsWith('/audit/reveals/')) return path.replace(':id', String(records.revealId));
  const module = path.split('/')[1];
  const id = {
    interactions: records.interactionId,
    tickets: records.ticketId,
    escalations: records.escalationId,
    consultations: records.consultationId,
    customers: records.customerId,
    staff: records.staffId,
    // /audit/patients/:id/access: the patient is a customer.
    audit: records.customerId,
    'canned-replies': records.cannedReplyId,
    'follow-ups': records.followUpId,
  }[module];
  if (id === undefined) throw new Error(`No fixture for ${path}`);
  return path.replace(':id', String(id)).replace(':entryId', String(records.entryId));
}

/** A session for an actor plus a way to fetch a fresh CSRF token from one of its own pages. */
export interface Session {
  agent: ReturnType<typeof request.agent>;
  token(): Promise<string>;
}

export async function sessionFor(app: Express, actor: ActorName, world: World): Promise<Session> {
  if (actor === 'anonymous') {
    const agent = request.agent(app);
    return { agent, token: async () => csrfFrom((await agent.get('/login')).text) };
  }
  const { agent } = await signIn(app, world.users[actor].email);
  return { agent, token: async () => csrfFrom((await agent.get('/')).text) };
}

/**
 * A body that would succeed (or at least pass validation and reach the record-level checks) for
 * each state-changing route, read against the current row versions.
 */
export async function validBody(
  db: Database,
  key: string,
  records: ActorRecords,
  world: World,
): Promise<Record<string, string>> {
  const p = db.prisma;
  const ticketVersion = async () =>
    String(
      (
        await p.supportTicket.findUniqueOrThrow({
          where: { id: records.ticketId },
          select: { version: true },
        })
      ).version,
    );
  const consultationVersion = async () =>
    String(
      (
        await p.consultation.findUniqueOrThrow({
          where: { id: records.consultationId },
          select: { version: true },
        })
      ).version,
    );
  const interactionVersion = async () =>
    String(
      (
        await p.interaction.findUniqueOrThrow({
          where: { id: records.interactionId },
          select: { version: true },
        })
      ).version,
    );
  const escalationVersion = async () =>
    String(
      (
        await p.escalation.findUniqueOrThrow({
          where: { id: records.escalationId },
          select: { version: true },
        })
      ).version,
    );
  switch (key) {
    case 'POST /login':
    case 'POST /logout':
      return {};
    case 'POST /account/time-zone':
      return { timeZone: 'Africa/Lagos' };
    case 'POST /interactions':
      return {
        customerId: String(records.customerId),
        channel: 'call',
        subject: 'Called about a refund',
        idempotencyKey: randomUUID(),
      };
    case 'POST /interactions/:id/verify':
      return { method: 'email', email: 'someone.else@example.test' };
    case 'POST /interactions/:id/verify/override':
      return { reason: 'Caller confirmed through a relay operator' };
    case 'POST /interactions/:id/notes':
      return { body: 'Customer called back, waiting on billing.' };
    case 'POST /interactions/:id/pending':
    case 'POST /interactions/:id/resume':
    case 'POST /interactions/:id/end':
      return { version: await interactionVersion() };
    case 'POST /tickets':
      return {
        customerId: String(records.customerId),
        category: 'technical',
        priority: 'high',
        subject: 'App crashes on login',
        description: 'Since the last update.',
        idempotencyKey: randomUUID(),
      };
    case 'POST /tickets/:id/edit':
      return {
        category: 'billing',
        priority: 'urgent',
        subject: 'Refund not received (edited)',
        description: 'Paid twice, asked again.',
        version: await ticketVersion(),
      };
    case 'POST /tickets/:id/claim':
      return {};
    case 'POST /tickets/:id/assign':
      return {
        assigneeId: String(records.userId ?? world.users.agent.id),
        version: await ticketVersion(),
      };
    case 'POST /tickets/:id/status':
      return { status: 'pending', version: await ticketVersion() };
    case 'POST /tickets/bulk': {
      const id = String(records.ticketId);
      const { priority } = await p.supportTicket.findUniqueOrThrow({
        where: { id: records.ticketId },
      });
      const to = priority === 'urgent' ? 'low' : 'urgent';
      return { ids: id, [`v_${id}`]: await ticketVersion(), action: 'priority', priority: to };
    }
    case 'POST /tickets/:id/follow-ups':
    case 'POST /interactions/:id/follow-ups':
      return {
        dueAt: new Date(Date.now() + 86_400_000).toISOString().slice(0, 16),
        reason: 'Confirm the refund.',
      };
    case 'POST /follow-ups/:id/done':
    case 'POST /follow-ups/:id/cancel':
    case 'POST /follow-ups/:id/snooze': {
      const f = await p.followUp.findUniqueOrThrow({ where: { id: records.followUpId } });
      return { version: String(f.version), hours: '4' };
    }
    case 'POST /canned-replies':
      return {
        title: 'Call back later',
        shortcut: `later-${randomBytes(4).toString('hex')}`,
        category: 'general',
        body: 'We will call you back.',
      };
    case 'POST /canned-replies/:id/edit': {
      const reply = await p.cannedReply.findUniqueOrThrow({ where: { id: records.cannedReplyId } });
      const body = `Refund for {{ticket.number}} sent (${randomUUID().slice(0, 8)}).`;
      const { title, shortcut, category } = reply;
      return { title, shortcut, category, body, version: String(reply.version) };
    }
    case 'POST /canned-replies/:id/delete':
      return {};
    case 'POST /tickets/:id/merge': {
      // A same-customer twin the actor may act on, for the actor's ticket to be merged into.
      const ticket = await p.supportTicket.findUniqueOrThrow({ where: { id: records.ticketId } });
      const twin = await makeTicket(db, ticket.customerId, ticket.createdById, ticket.assigneeId);
      return { intoId: String(twin.id), version: await ticketVersion() };
    }
    case 'POST /tickets/:id/entries':
      return {
        kind: 'contact',
        channel: 'whatsapp',
        direction: 'outbound',
        body: 'Sent the refund reference.',
      };
    case 'POST /tickets/:id/entries/:entryId/edit': {
      const entry = await p.ticketEntry.findUniqueOrThrow({ where: { id: records.entryId } });
      return {
        body: `Waiting on billing (${randomUUID().slice(0, 8)}).`,
        version: String(entry.version),
      };
    }
    case 'POST /escalations':
      return {
        ticketId: String(records.ticketId),
        targetType: 'admin',
        targetUserId: String(world.users.admin.id),
        reason: 'The refund needs an admin decision.',
        idempotencyKey: randomUUID(),
      };
    case 'POST /escalations/:id/take':
      return { version: await escalationVersion() };
    case 'POST /escalations/:id/resolve':
      return {
        version: await escalationVersion(),
        outcome: 'Refund approved.',
        ticketStatus: 'resolved',
      };
    case 'POST /escalations/:id/close':
      return { version: await escalationVersion(), outcome: 'Closed after review.' };
    case 'POST /consultations':
      return {
        customerId: String(records.customerId),
        mode: 'voice',
        paymentModel: 'pay_later',
        amount: '5000',
        doctor: '',
        idempotencyKey: randomUUID(),
      };
    case 'POST /consultations/:id/status':
      return {
        version: await consultationVersion(),
        to: 'scheduled',
        scheduledFor: '2031-01-02T10:00',
      };
    case 'POST /consultations/:id/start':
    case 'POST /consultations/:id/request-payment':
    case 'POST /consultations/:id/mark-paid':
      return { version: await consultationVersion() };
    case 'POST /consultations/:id/assign':
      return { version: await consultationVersion(), doctor: String(world.users.doctor.id) };
    case 'POST /consultations/:id/medical': {
      const row = await p.consultationMedical.findUnique({
        where: { consultationId: records.consultationId },
        select: { version: true },
      });
      return {
        version: String(row?.version ?? 0),
        presentingComplaint: 'Headache for three days',
        diagnosis: 'Tension headache',
      };
    }
    case 'POST /audit/reveals/:id/justified':
      return {};
    case 'POST /audit/reveals/:id/flag':
      return { comment: 'Reason does not match any call on record.' };
    case 'POST /staff':
      return {
        name: 'Ada Newcomer',
        email: `ada-${randomUUID()}@staff.test`,
        role: 'agent',
        specialization: '',
      };
    case 'POST /staff/:id/role': {
      const target = await p.user.findUniqueOrThrow({
        where: { id: records.staffId },
        select: { role: true, version: true },
      });
      return {
        role: target.role === 'doctor' ? 'supervisor' : 'doctor',
        version: String(target.version),
      };
    }
    case 'POST /staff/:id/disable':
    case 'POST /staff/:id/enable':
    case 'POST /staff/:id/reset':
      return {};
    case 'POST /staff/:id/availability': {
      const profile = await p.doctorProfile.findUniqueOrThrow({
        where: { userId: records.staffId },
        select: { available: true },
      });
      return { available: profile.available ? '0' : '1' };
    }
    case 'POST /sla-targets': {
      const rows = await p.slaTarget.findMany();
      const form: Record<string, string> = {};
      for (const row of rows) {
        form[`${row.priority}.firstResponseMins`] = String(row.firstResponseMins);
        // A real change each time, so the request writes something.
        form[`${row.priority}.resolutionMins`] = String(row.resolutionMins + 1);
        form[`${row.priority}.version`] = String(row.version);
      }
      return form;
    }
    case 'POST /account/password':
      return { current: TEST_PASSWORD, password: STRONG_PASSWORD, confirm: STRONG_PASSWORD };
    case 'POST /account/sessions/end':
      return { session: await makeOtherSession(db, records.userId ?? world.users.agent.id) };
    case 'POST /account/sessions/end-others':
      await makeOtherSession(db, records.userId ?? world.users.agent.id);
      return {};
    case 'POST /account/availability': {
      const profile = await p.doctorProfile.findUniqueOrThrow({
        where: { userId: world.users.doctor.id },
        select: { available: true },
      });
      return { available: profile.available ? '0' : '1' };
    }
    case 'POST /login/two-factor':
      return { code: '000000' };
    case 'POST /account/two-factor': {
      const secret = newSecret();
      return { secret, code: currentCode(secret) };
    }
    case 'POST /account/two-factor/remove':
      return { password: TEST_PASSWORD };
    case 'POST /reset-password/:token':
      return { password: STRONG_PASSWORD, confirm: STRONG_PASSWORD };
    case 'POST /customers/:id/contact': {
      const c = await p.customer.findUniqueOrThrow({
        where: { id: records.customerId },
        select: { version: true },
      });
      return {
        phone: '0803 555 0142',
        email: `corrected-${randomUUID()}@example.test`,
        address: '12 Marina Road, Lagos',
        version: String(c.version),
      };
    }
    // A form post without a file reaches the handler, which asks for one (422).
    case 'POST /customers/:id/photo':
    case 'POST /customers/:id/photo/remove':
      return {};
    case 'POST /customers/:id/reveal':
      return { reason: 'Reviewing allergies before a call back.' };
    case 'POST /presence':
      return {
        recordType: 'consultation',
        recordId: String(records.consultationId),
        tabId: randomUUID(),
      };
    case 'POST /presence/leave': {
      const tabId = randomUUID();
      const userId = records.userId ?? world.users.agent.id;
      await p.presence.create({
        data: { tabId, userId, recordType: 'consultation', recordId: records.consultationId },
      });
      return { tabId };
    }
    case 'POST /notifications/read':
    case 'POST /notifications/read-all': {
      // Something unread for the actor (anyone's, when anonymous: the route refuses them anyway).
      const userId = records.userId ?? world.users.agent.id;
      const data = {
        userId,
        kind: 'ticket_assigned',
        recordType: 'ticket',
        recordId: records.ticketId,
      };
      const notice = await p.notification.create({ data });
      return key === 'POST /notifications/read' ? { id: String(notice.id) } : {};
    }
    default:
      throw new Error(`No body for ${key}: add one to tests/support/fixtures.ts`);
  }
}

/**
 * A fingerprint of every table's contents (md5 of its rows), for "nothing changed" checks.
 * `except` names tables to leave out (e.g. audit_events, session).
 */
export async function snapshot(
  db: Database,
  except: string[] = [],
): Promise<Record<string, string>> {
  const { rows } = await db.pool.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename`,
  );
  const out: Record<string, string> = {};
  for (const { tablename } of rows) {
    if (except.includes(tablename)) continue;
    const result = await db.pool.query<{ n: string; h: string | null }>(
      `SELECT count(*)::text AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM "${tablename}" t`,
    );
    out[tablename] = `${result.rows[0].n}:${result.rows[0].h ?? ''}`;
  }
  return out;
}
