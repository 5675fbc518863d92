import { describe, expect, it } from 'vitest';
import { passwordProblem } from '../../src/auth/password-policy.js';
import {
  currentCode,
  hashRecoveryCode,
  matchingStep,
  newRecoveryCodes,
  newSecret,
} from '../../src/auth/two-factor.js';
import { mustUseTwoFactor } from '../../src/auth/two-factor-policy.js';
import { loadConfig } from '../../src/config.js';

const AT = Date.UTC(2026, 11, 2, 12, 0, 15); // 15 s into a 30-second step
const STEP = Math.floor(AT / 30_000);

describe('TOTP codes', () => {
  const secret = newSecret();

  it('when a code is from this step or one either side, then it is accepted with its own step', () => {
    expect(matchingStep(secret, currentCode(secret, AT), null, AT)).toBe(STEP);
    expect(matchingStep(secret, currentCode(secret, AT - 30_000), null, AT)).toBe(STEP - 1);
    expect(matchingStep(secret, currentCode(secret, AT + 30_000), null, AT)).toBe(STEP + 1);
    expect(
      matchingStep(secret, ` ${currentCode(secret, AT).replace(/(\d{3})/, '$1 ')} `, null, AT),
    ).toBe(STEP);
  });

  it('when a code is two steps old or wrong, then it is refused', () => {
    const old = currentCode(secret, AT - 60_000);
    const recent = [AT - 30_000, AT, AT + 30_000].map((t) => currentCode(secret, t));
    if (!recent.includes(old)) expect(matchingStep(secret, old, null, AT)).toBeNull();
    expect(matchingStep(secret, '12345', null, AT)).toBeNull();
    expect(matchingStep(secret, 'abcdef', null, AT)).toBeNull();
    const wrong = String((Number(recent[1]) + 1) % 1_000_000).padStart(6, '0');
    if (!recent.includes(wrong)) expect(matchingStep(secret, wrong, null, AT)).toBeNull();
  });

  it('when a code of a step already used (or an earlier one) comes again, then it is refused as a replay', () => {
    const code = currentCode(secret, AT);
    expect(matchingStep(secret, code, STEP, AT)).toBeNull();
    expect(matchingStep(secret, currentCode(secret, AT - 30_000), STEP, AT)).toBeNull();
    expect(matchingStep(secret, currentCode(secret, AT + 30_000), STEP, AT)).toBe(STEP + 1);
  });

  it('when recovery codes are made, then there are ten distinct ones and typing variations hash alike', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const code of codes)
      expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(hashRecoveryCode(codes[0].toLowerCase().replace(/-/g, ' '))).toBe(
      hashRecoveryCode(codes[0]),
    );
    expect(hashRecoveryCode(codes[0])).not.toBe(hashRecoveryCode(codes[1]));
  });
});

describe('who must use two-factor', () => {
  const base = { NODE_ENV: 'development', SESSION_SECRET: 'x'.repeat(32) };
  const admin = { role: 'admin' as const, email: 'admin@caredesk.test' };
  const realAdmin = { role: 'admin' as const, email: 'ops@clinic.example' };

  it('when nothing is configured, then admins and doctors must, agents need not', () => {
    const config = loadConfig(base);
    expect(mustUseTwoFactor(config, realAdmin)).toBe(true);
    expect(mustUseTwoFactor(config, { role: 'doctor', email: 'dr@clinic.example' })).toBe(true);
    expect(mustUseTwoFactor(config, { role: 'agent', email: 'a@clinic.example' })).toBe(false);
  });

  it('when on the embedded database, then only the demo accounts are exempt; on a server or in production they are not', () => {
    expect(mustUseTwoFactor(loadConfig(base), admin)).toBe(false);
    expect(
      mustUseTwoFactor(loadConfig({ ...base, DATABASE_URL: 'postgresql://db/caredesk' }), admin),
    ).toBe(true);
    expect(mustUseTwoFactor(loadConfig({ ...base, NODE_ENV: 'production' }), admin)).toBe(true);
  });

  it('when the setting lists roles, then exactly those must; a bad role is a one-line start-up error', () => {
    const config = loadConfig({ ...base, MFA_REQUIRED_ROLES: 'agent, supervisor' });
    expect(mustUseTwoFactor(config, { role: 'agent', email: 'a@clinic.example' })).toBe(true);
    expect(mustUseTwoFactor(config, realAdmin)).toBe(false);
    expect(mustUseTwoFactor(loadConfig({ ...base, MFA_REQUIRED_ROLES: '' }), realAdmin)).toBe(
      false,
    );
    expect(() => loadConfig({ ...base, MFA_REQUIRED_ROLES: 'admin,janitor' })).toThrow(
      /MFA_REQUIRED_ROLES/,
    );
  });
});

describe('password strength', () => {
  it('when a password is short, common or built from the person’s name, then it is refused with a reason', () => {
    expect(passwordProblem('Xq7#pL2!vR')).toMatch(/at least 12/);
    expect(passwordProblem('password1234')).toMatch(/too easy to guess/);
    expect(passwordProblem('qwertyuiop123')).toMatch(/too easy to guess/);
    expect(passwordProblem('aaaaaaaaaaaaaaa')).toMatch(/too easy to guess/);
    expect(passwordProblem('ChidinmaUde2026', ['Chidinma Ude', 'chidinma@clinic.example'])).toMatch(
      /name and email/,
    );
    expect(passwordProblem('x'.repeat(300))).toMatch(/at most/);
  });

  it('when a password is a long phrase of unrelated words, then it is accepted', () => {
    expect(passwordProblem('quiet lantern orbits 4817 meadow')).toBeNull();
    expect(passwordProblem('Tr0ub4dor&3-horse-sky')).toBeNull();
  });
});
