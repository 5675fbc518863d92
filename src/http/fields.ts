import { z } from 'zod';

// Field parsers that forms and list filters share, so the same kind of field reads the same way
// on every page.

/** Blank (or only spaces) reads as "not given". */
export const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** A calendar day, YYYY-MM-DD, in years PostgreSQL's date type and the date inputs both take. */
export const calendarDay = z
  .string()
  .regex(/^(19|2\d)\d{2}-\d{2}-\d{2}$/, 'Dates are YYYY-MM-DD.')
  .refine(
    (s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString().slice(0, 10) === s,
    'Not a calendar date.',
  );

/** A day filter (`?from=`): blank or not a calendar day reads as "none given". */
export const optionalDay = z.preprocess(blankToUndefined, calendarDay.optional()).catch(undefined);

/** A choice filter: blank or not one of `values` reads as "none given". */
export const optionalEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(blankToUndefined, z.enum(values).optional()).catch(undefined);

/** A list's search box: control characters read as spaces, trimmed, at most 100 characters. */
export const searchText = z
  .preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .replace(/\p{Cc}/gu, ' ')
            .trim()
            .slice(0, 100)
        : undefined,
    z.string().optional(),
  )
  .catch(undefined);

/** A form's double-submit key (a hidden field): none when empty, missing or over 100 characters. */
export const formKey = z
  .preprocess(
    (v) => (typeof v === 'string' && v.length > 0 ? v : undefined),
    z.string().max(100).optional(),
  )
  .catch(undefined);

/** A required text field, trimmed; the messages name it by `label`. */
export const requiredText = (label: string, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z
      .string()
      .min(1, `Enter a ${label}.`)
      .max(max, `Keep the ${label} under ${max.toLocaleString('en')} characters.`),
  );
