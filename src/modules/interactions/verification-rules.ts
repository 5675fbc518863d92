import { timingSafeEqual } from 'node:crypto';
import { normalisePhone } from '../../lib/phone.js';
import type { AnswerInput } from './verification-schema.js';

/** Failed attempts after which verification is locked for the interaction. */
export const MAX_FAILED_ATTEMPTS = 3;
export const OVERRIDE_REASON_MIN = 10;

/** What the answers are compared with: the customer record as it is now. */
export interface CallerRecord {
  dateOfBirth: Date | null;
  phone: string;
  email: string;
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

const digits = (s: string) => s.replace(/\D/g, '');

/** Whether the caller's answers match the record; a record lacking what is asked never matches. */
export function answersMatch(record: CallerRecord, answer: AnswerInput): boolean {
  switch (answer.method) {
    case 'dob_phone': {
      if (!record.dateOfBirth) return false;
      const born = record.dateOfBirth.toISOString().slice(0, 10);
      const lastFour = digits(record.phone).slice(-4);
      // Both compared, whatever the first gives, so a timing difference says nothing.
      const dobOk = same(born, answer.dateOfBirth);
      const phoneOk = lastFour.length === 4 && same(lastFour, answer.phoneLast4);
      return dobOk && phoneOk;
    }
    case 'email':
      return same(record.email.trim().toLowerCase(), answer.email.trim().toLowerCase());
    case 'callback': {
      const called = normalisePhone(answer.numberCalled);
      return called !== null && answer.reached && same(called, normalisePhone(record.phone) ?? '');
    }
  }
}

export interface VerificationAttempt {
  method: 'dob_phone' | 'email' | 'callback' | 'override';
  result: 'passed' | 'failed';
  at: Date;
}

/** Where an interaction stands: passed (by a method or an override), locked, or still open. */
export function verificationStatus<T extends VerificationAttempt>(attempts: T[]) {
  const passed = attempts.filter((a) => a.result === 'passed' && a.method !== 'override').at(-1);
  const override = attempts.filter((a) => a.method === 'override').at(-1);
  const failures = attempts.filter((a) => a.result === 'failed').length;
  return {
    verified: passed ?? null,
    override: override ?? null,
    failures,
    locked: !passed && failures >= MAX_FAILED_ATTEMPTS,
    cleared: Boolean(passed ?? override),
    attemptsLeft: Math.max(0, MAX_FAILED_ATTEMPTS - failures),
  };
}
