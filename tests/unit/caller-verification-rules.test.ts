import { describe, expect, it } from 'vitest';
import {
  answersMatch,
  verificationStatus,
  type VerificationAttempt,
} from '../../src/modules/interactions/verification-rules.js';

const record = {
  dateOfBirth: new Date('1979-11-23'),
  phone: '+2348035550142',
  email: 'ada.obi@example.test',
};

describe('caller verification rules', () => {
  it('when date of birth and last four digits both match, then it passes; either wrong fails', () => {
    const ask = (dateOfBirth: string, phoneLast4: string) =>
      answersMatch(record, { method: 'dob_phone', dateOfBirth, phoneLast4 });
    expect(ask('1979-11-23', '0142')).toBe(true);
    expect(ask('1979-11-24', '0142')).toBe(false);
    expect(ask('1979-11-23', '0143')).toBe(false);
  });

  it('when the record has no date of birth, then that method never passes', () => {
    const answer = { method: 'dob_phone', dateOfBirth: '1979-11-23', phoneLast4: '0142' } as const;
    expect(answersMatch({ ...record, dateOfBirth: null }, answer)).toBe(false);
  });

  it('when the email differs only in case and spaces, then it passes; another address fails', () => {
    expect(answersMatch(record, { method: 'email', email: ' ADA.Obi@Example.test ' })).toBe(true);
    expect(answersMatch(record, { method: 'email', email: 'ada.obi@example.org' })).toBe(false);
  });

  it('when the callback reached the number on record however it was typed, then it passes', () => {
    const call = (numberCalled: string, reached: boolean) =>
      answersMatch(record, { method: 'callback', numberCalled, reached });
    expect(call('0803 555 0142', true)).toBe(true);
    expect(call('0803 555 0142', false)).toBe(false);
    expect(call('0803 555 0143', true)).toBe(false);
  });

  it('when three attempts failed before any pass, then it is locked; a pass or an override clears it', () => {
    const at = new Date();
    const failed: VerificationAttempt = { method: 'email', result: 'failed', at };
    expect(verificationStatus([failed, failed])).toMatchObject({ locked: false, attemptsLeft: 1 });
    expect(verificationStatus([failed, failed, failed])).toMatchObject({
      locked: true,
      cleared: false,
    });
    const override: VerificationAttempt = { method: 'override', result: 'passed', at };
    expect(verificationStatus([failed, failed, failed, override])).toMatchObject({
      locked: true,
      cleared: true,
      verified: null,
    });
    const passed: VerificationAttempt = { method: 'email', result: 'passed', at };
    expect(verificationStatus([failed, passed])).toMatchObject({ cleared: true, locked: false });
  });
});
