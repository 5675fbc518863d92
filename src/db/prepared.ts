import { createHash } from 'node:crypto';
import type pg from 'pg';

// PostgreSQL parses and plans every unnamed statement it is sent. For the list and profile reads
// that planning cost more than running them (about 1 ms per branch of the customer timeline's
// UNION), on the same two cores the app runs on. A named statement is planned once per connection
// and, once PostgreSQL sees the plan does not depend on the values, not again. A list's SQL is
// built from its filters, so the name is the text's digest; the number of names is capped, since
// each connection keeps every statement it has prepared (past the cap, statements go unnamed).
//
// After five runs of a named statement PostgreSQL may settle on one generic plan for all values.
// That is right for ids and page windows, wrong where the best plan depends on the value: a
// search pattern that matches ten names or half the table (a generic plan for `%Ifean%` on the
// large seed took 296 ms against 1.3 ms planned for the value). Such reads pass `planPerCall`.
//
// A bound LIMIT keeps PostgreSQL from ever settling: not knowing the count, it costs the generic
// plan as if it fetched a tenth of the rows, finds every plan made for the values cheaper, and so
// plans the statement again on every call (0.8–1 ms of the database's CPU for the ticket list and
// the consultation list on the large seed, more than running them). Row counts that are the same on
// every call (a page size, the first pages' offsets) are therefore written into the text.

const MAX_NAMED = 300;
const names = new Map<string, string>();

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (!name && names.size < MAX_NAMED) {
    name = 'p' + createHash('sha1').update(text).digest('base64url');
    names.set(text, name);
  }
  return name;
}

/**
 * A query PostgreSQL prepares once per connection (see above), or plans on every call when its
 * plan depends on the values bound (`planPerCall`).
 */
export function prepared(
  text: string,
  values: unknown[],
  { planPerCall = false }: { planPerCall?: boolean } = {},
): pg.QueryConfig {
  return { name: planPerCall ? undefined : nameOf(text), text, values };
}

/** A row count for a LIMIT or OFFSET written into a statement's text (see above). */
export function rowCount(count: number): string {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`Not a row count: ${count}`);
  return String(count);
}

// The first pages, which are nearly all anyone reads, carry their window in the text, so their
// statements keep one plan; deeper pages bind it and are planned per call, so paging far never
// adds a statement per page number.
export const LITERAL_PAGES = 5;

/** How a page's row counts go into its SQL: written in on the first pages, bound after. */
export function pageCount(
  bind: (value: unknown) => string,
  page: number,
): (count: number) => string {
  return page <= LITERAL_PAGES ? rowCount : bind;
}
