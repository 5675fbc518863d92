import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Numbers typed without a country code are read as Nigerian, where the desk's customers are; any
 * other country's number is entered with its + code.
 */
export const DEFAULT_PHONE_REGION = 'NG';
export const PHONE_INVALID =
  'This is not a valid phone number. Numbers outside Nigeria need their + country code.';

/** A phone number in E.164 (+2348035551234), or null when it cannot be a real number. */
export function normalisePhone(input: string): string | null {
  const parsed = parsePhoneNumberFromString(input, DEFAULT_PHONE_REGION);
  return parsed?.isValid() ? parsed.number : null;
}
