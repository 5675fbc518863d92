import { createHmac } from 'node:crypto';
import { recordAudit } from '../audit.js';
import type { Db } from '../db/client.js';

export type SignInOutcome = 'sign_in_failed' | 'sign_in_refused';

export interface SignInAttempt {
  email: string;
  ip: string | undefined;
  /** The account the email matched, if any. */
  userId: number | null;
}

/**
 * What the audit trail keeps of an unsuccessful sign-in: the account it matched, or else a keyed
 * hash of the normalised email. Never the typed text: the trail is append-only, and people type
 * passwords into the email field.
 */
export function emailFingerprint(email: string, secret: string): string {
  const hmac = createHmac('sha256', secret).update('sign-in-email\0' + email.trim().toLowerCase());
  return 'email-hmac:' + hmac.digest('hex').slice(0, 32);
}

export async function auditUnsuccessfulSignIn(
  db: Db,
  outcome: SignInOutcome,
  attempt: SignInAttempt,
  secret: string,
): Promise<void> {
  const subject = attempt.userId
    ? { recordType: 'user', recordId: attempt.userId }
    : { reason: emailFingerprint(attempt.email, secret) };
  await recordAudit(db, { action: outcome, ip: attempt.ip, ...subject });
}

export async function accountIdOf(db: Db, email: string): Promise<number | null> {
  const user = await db.user.findUnique({
    where: { email: email.trim().toLowerCase() },
    select: { id: true },
  });
  return user?.id ?? null;
}
