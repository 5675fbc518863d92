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
