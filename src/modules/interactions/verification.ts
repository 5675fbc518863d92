import { recordAudit } from '../../audit.js';
import type { Db } from '../../db/client.js';
import { epochMs, jsonList } from '../../db/json-select.js';
import { ForbiddenError, NotFoundError, TransitionError, ValidationError } from '../../errors.js';
import { notify } from '../notifications/service.js';
import { isManager, type Actor } from '../../auth/actor.js';
import { assertCanAct } from './policy.js';
import {
  MAX_FAILED_ATTEMPTS,
  answersMatch,
  verificationStatus,
  type CallerRecord,
  type VerificationAttempt,
} from './verification-rules.js';
import type { AnswerInput } from './verification-schema.js';

const ATTEMPT_SELECT = {
  method: true,
  result: true,
  at: true,
  reason: true,
  actor: { select: { name: true } },
} as const;

/** The verification attempts of one interaction, oldest first, and where they leave it. */
export async function verificationOf(db: Pick<Db, 'callerVerification'>, interactionId: number) {
  const attempts = await db.callerVerification.findMany({
    where: { interactionId },
    select: ATTEMPT_SELECT,
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
  });
  return { attempts, ...verificationStatus(attempts) };
}
export type Verification = Awaited<ReturnType<typeof verificationOf>>;

/**
 * The customer's latest open interaction and its verification attempts, oldest first, as JSON (or
 * null), for the profile's banner in the profile's one statement; `callVerificationOf` reads it.
 */
export const openCallVerificationJson = (customerIdColumn: string) => `(
  SELECT json_build_object('interactionId', i.id, 'attempts', ${jsonList(`
           SELECT json_agg(json_build_object(
                    'method', v.method, 'result', v.result, 'at', ${epochMs('v.at')},
                    'reason', v.reason, 'actorName', a.name) ORDER BY v.at, v.id)
             FROM caller_verifications v JOIN users a ON a.id = v.actor_id
            WHERE v.interaction_id = i.id`)})
    FROM interactions i
   WHERE i.customer_id = ${customerIdColumn} AND i.status IN ('active', 'pending')
   ORDER BY i.started_at DESC, i.id DESC LIMIT 1)`;

export interface CallVerificationJson {
  interactionId: number;
  attempts: {
    method: VerificationAttempt['method'];
    result: VerificationAttempt['result'];
    at: number;
    reason: string | null;
    actorName: string;
  }[];
}

export function callVerificationOf({ interactionId, attempts }: CallVerificationJson) {
  const read = attempts.map(({ actorName, at, ...attempt }) => ({
    ...attempt,
    at: new Date(at),
    actor: { name: actorName },
  }));
  return { interactionId, attempts: read, ...verificationStatus(read) };
}

/** The caller's consultations still to happen: those an agent may cancel or reschedule. */
export async function openConsultationsOf(db: Db, customerId: number) {
  return db.consultation.findMany({
    where: { customerId, status: { in: ['pending', 'scheduled'] } },
    select: { id: true, reference: true, status: true },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: 10,
  });
}

type Tx = Parameters<typeof notify>[0];

/** Locks the interaction's row, so parallel attempts on it are counted one after another. */
async function lockForAttempt(tx: Tx, interactionId: number) {
  const locked = await tx.$queryRaw<{ id: number }[]>`
    SELECT id FROM interactions WHERE id = ${interactionId} FOR UPDATE`;
  if (!locked.length) throw new NotFoundError('No such interaction.');
  return tx.interaction.findUniqueOrThrow({
    where: { id: interactionId },
    select: {
      agentId: true,
      status: true,
      customer: { select: { id: true, dateOfBirth: true, phone: true, email: true } },
    },
  });
}

function assertMayAttempt(interaction: { status: string }, before: Verification): void {
  if (interaction.status === 'resolved')
    throw new TransitionError('This interaction has ended; the caller can no longer be verified.');
  if (before.locked)
    throw new TransitionError(
      `Verification is locked after ${MAX_FAILED_ATTEMPTS} failed attempts; a supervisor can override it.`,
    );
}

/**
 * The agent records the caller's answers; the server compares them with the record and keeps
 * only method, result, who and when. Attempts on one interaction are serialised (row lock), so
 * parallel submissions cannot get past the limit; the attempt that reaches it tells the
 * supervisors.
 */
export async function verifyCaller(
  db: Db,
  actor: Actor,
  interactionId: number,
  answer: AnswerInput,
): Promise<{ passed: boolean; attemptsLeft: number; locked: boolean }> {
  return db.$transaction(async (tx) => {
    const interaction = await lockForAttempt(tx, interactionId);
    assertCanAct(actor, interaction);
    const before = await verificationOf(tx, interactionId);
    assertMayAttempt(interaction, before);
    const record: CallerRecord = interaction.customer;
    const passed = answersMatch(record, answer);
    await tx.callerVerification.create({
      data: {
        interactionId,
        customerId: interaction.customer.id,
        method: answer.method,
        result: passed ? 'passed' : 'failed',
        actorId: actor.id,
      },
    });
    const failures = before.failures + (passed ? 0 : 1);
    const nowLocked = !passed && !before.verified && failures >= MAX_FAILED_ATTEMPTS;
    if (nowLocked) await tellSupervisors(tx, actor, interactionId);
    return { passed, attemptsLeft: Math.max(0, MAX_FAILED_ATTEMPTS - failures), locked: nowLocked };
  });
}

async function tellSupervisors(tx: Tx, actor: Actor, id: number) {
  const supervisors = await tx.user.findMany({
    where: { role: 'supervisor', active: true },
    select: { id: true },
  });
  await notify(
    tx,
    supervisors.map((s) => ({
      userId: s.id,
      kind: 'verification_locked' as const,
      recordType: 'interaction',
      recordId: id,
      actorId: actor.id,
    })),
  );
}

/** Why a supervisor lifts the refusal, and from where (for the audit row). */
export interface VerificationOverride {
  reason: string;
  ip?: string | null;
}

function overrideReason(reason: string): string {
  const text = reason.trim();
  if (text.length < 10)
    throw new ValidationError('Give the reason for the override.', {
      reason: 'Give the reason for the override (at least 10 characters)',
    });
  return text.slice(0, 500);
}

/** A supervisor (or admin) lifts the refusal for one interaction, with a reason; audited. */
export async function overrideVerification(
  db: Db,
  actor: Actor,
  interactionId: number,
  override: VerificationOverride,
): Promise<void> {
  if (!isManager(actor)) throw new ForbiddenError('Only a supervisor can override verification.');
  const reason = overrideReason(override.reason);
  const interaction = await db.interaction.findUnique({
    where: { id: interactionId },
    select: { customerId: true },
  });
  if (!interaction) throw new NotFoundError('No such interaction.');
  const { customerId } = interaction;
  await db.$transaction(async (tx) => {
    await tx.callerVerification.create({
      data: {
        interactionId,
        customerId,
        method: 'override',
        result: 'passed',
        actorId: actor.id,
        reason,
      },
    });
    await recordAudit(tx, {
      actor,
      action: 'verification_override',
      customerId,
      recordType: 'interaction',
      recordId: interactionId,
      reason,
      ip: override.ip,
    });
  });
}

/**
 * An action taken for the caller from an interaction (booking, cancelling or rescheduling a
 * consultation, correcting contact details) goes ahead only once the caller passed verification
 * in that interaction, or a supervisor overrode it. Actions not taken from an interaction carry
 * no context and are not checked here.
 */
export async function assertCallerCleared(
  db: Db,
  interactionId: number | undefined,
  customerId: number,
): Promise<void> {
  if (interactionId === undefined) return;
  const interaction = await db.interaction.findUnique({
    where: { id: interactionId },
    select: { customerId: true },
  });
  if (!interaction || interaction.customerId !== customerId)
    throw new ValidationError('That interaction is not with this customer.', {
      interactionId: 'Open this from an interaction with the same customer',
    });
  const { cleared } = await verificationOf(db, interactionId);
  if (!cleared)
    throw new ForbiddenError(
      `Verify the caller's identity in interaction #${interactionId} first (or ask a supervisor to override).`,
    );
}
