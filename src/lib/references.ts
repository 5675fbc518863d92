import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** PREFIX- plus 8 upper-case letters/digits, e.g. TKT-7Q2M9XKD. */
export function makeReference(
  prefix: 'TKT' | 'CNS' | 'PAY',
  random: (max: number) => number = randomInt,
): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += ALPHABET[random(ALPHABET.length)];
  return `${prefix}-${code}`;
}

export const REFERENCE_PATTERN = /^(TKT|CNS|PAY)-[A-Z0-9]{8}$/;

export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, '');
}
