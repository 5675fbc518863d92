import { createHash, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

export const ISSUER = 'CareDesk';
const PERIOD_SECONDS = 30;
/** Codes from one time step either side are accepted: clocks drift and people type slowly. */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
// No 0/O or 1/I/L: recovery codes are read off paper.
const RECOVERY_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const RECOVERY_LENGTH = 12;

/** A new 160-bit shared secret (RFC 4226's recommended size), base32 as authenticator apps expect. */
export function newSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string, account = ''): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label: account,
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
  });
}

export function otpauthUri(secret: string, account: string): string {
  return totp(secret, account).toString();
}

/** The enrolment QR code as an SVG data URL: drawn on the server, shown by an <img> the CSP allows. */
export async function qrDataUrl(uri: string): Promise<string> {
  // Loaded on first enrolment: the QR encoder is some fifty files that most starts never need.
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The current code; what an authenticator app would show at `at`. */
export function currentCode(secret: string, at = Date.now()): string {
  return totp(secret).generate({ timestamp: at });
}

/**
 * The time step a code belongs to, when it is valid within ±1 step of `at` and later than the
 * last step already accepted (a code, once used, cannot be replayed); null otherwise.
 */
export function matchingStep(
  secret: string,
  code: string,
  lastStep: number | null,
  at = Date.now(),
): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secret).validate({ token, timestamp: at, window: WINDOW });
  if (delta === null) return null;
  const step = Math.floor(at / 1000 / PERIOD_SECONDS) + delta;
  return lastStep !== null && step <= lastStep ? null : step;
}

/** Recovery codes as shown to the person (grouped for reading), e.g. "K7QM-3XWP-9HTA". */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = Array.from(
      { length: RECOVERY_LENGTH },
      () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
    ).join('');
    return raw.match(/.{4}/g)!.join('-');
  });
}

/**
 * Codes carry ~59 bits of randomness, so a fast digest is enough to make a stolen table useless
 * (no dictionary to try); typing variations (case, dashes, spaces) are normalised first.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256')
    .update(code.toUpperCase().replace(/[^A-Z0-9]/g, ''))
    .digest('hex');
}

export function looksLikeRecoveryCode(code: string): boolean {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '').length === RECOVERY_LENGTH;
}
