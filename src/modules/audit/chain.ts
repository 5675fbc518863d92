import { createHash } from 'node:crypto';
import type pg from 'pg';

/** The hash before the first row. */
export const GENESIS_HASH = '0'.repeat(64);

const BATCH = 20_000;

/**
 * The row's fields in canonical order, as text. The database's audit_event_hash() builds the same
 * form inside the insert trigger; this copy exists so verification never trusts code stored in
 * the database it is checking.
 */
// Qualified so ORDER BY sorts the bigint column, not its text rendering.
const COLUMNS = `e.seq::text, e.id::text, to_char(e.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS'), actor_id::text, actor_role::text,
  action, customer_id::text, record_type, record_id::text, field_group, reason, ip, prev_hash, hash`;

type ChainRow = (string | null)[];

function field(value: string | null): string {
  return value === null ? 'N;' : `${Buffer.byteLength(value, 'utf8')}:${value};`;
}

/** SHA-256 over the canonical content (every field but the hash itself, prev_hash last). */
export function rowHash(row: ChainRow): string {
  const canonical = row.slice(0, -1).map(field).join('');
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export type ChainProblem =
  'altered' | 'missing-before' | 'relinked' | 'unchained' | 'head-mismatch' | 'anchor-mismatch';

export interface ChainVerdict {
  ok: boolean;
  rows: number;
  head: { seq: string; hash: string };
  /** The first row that does not match, and why. */
  failure?: { id: string | null; seq: string | null; problem: ChainProblem; message: string };
}

export interface Anchor {
  seq: string;
  hash: string;
}

type Progress = Omit<ChainVerdict, 'ok' | 'failure'>;

function fail(
  verdict: Progress,
  id: string | null,
  seq: string | null,
  problem: ChainProblem,
): ChainVerdict {
  const what: Record<ChainProblem, string> = {
    altered: 'its content no longer matches its hash (changed after it was written)',
    'missing-before': 'one or more rows before it are missing (deleted)',
    relinked: 'it does not link to the row before it (inserted or re-ordered)',
    unchained: 'it carries no chain position or hash (written around the chain trigger)',
    'head-mismatch':
      'the chain head does not match the last row (rows removed from the end, or the head edited)',
    'anchor-mismatch':
      'the row at the recorded anchor no longer carries the anchored hash (the chain was rewritten)',
  };
  const where = id ? `audit row id ${id} (seq ${seq})` : 'the chain head';
  return {
    ...verdict,
    ok: false,
    failure: { id, seq, problem, message: `${where}: ${what[problem]}` },
  };
}

/**
 * Recomputes the whole chain in seq order and names the first row that does not match. An
 * `anchor` (a seq and hash recorded elsewhere earlier, e.g. printed by a previous run) also
 * catches a chain rewritten from scratch by someone able to recompute every hash.
 */
export async function verifyChain(pool: pg.Pool, anchor?: Anchor): Promise<ChainVerdict> {
  const headRow = await pool.query<{ seq: string; hash: string }>(
    'SELECT seq::text AS seq, hash FROM audit_chain WHERE id = 1',
  );
  const head = headRow.rows[0] ?? { seq: '0', hash: GENESIS_HASH };
  const base = { rows: 0, head };
  const loose = await pool.query<{ id: string }>(
    'SELECT id::text AS id FROM audit_events WHERE seq IS NULL OR hash IS NULL ORDER BY id LIMIT 1',
  );
  if (loose.rows[0]) return fail(base, loose.rows[0].id, null, 'unchained');

  const fetch = (after: bigint) => {
    const query = pool.query<ChainRow>({
      text: `SELECT ${COLUMNS} FROM audit_events e WHERE e.seq > $1 ORDER BY e.seq LIMIT ${BATCH}`,
      values: [after.toString()],
      rowMode: 'array',
    });
    query.catch(() => {}); // a prefetch abandoned by an early failure must not surface as unhandled
    return query;
  };
  let previousSeq = 0n;
  let previousHash = GENESIS_HASH;
  let rows = 0;
  let next = fetch(0n);
  for (;;) {
    const { rows: batch } = await next;
    // The database reads the next batch while this one is hashed.
    if (batch.length === BATCH) next = fetch(BigInt(batch[batch.length - 1][0]!));
    for (const row of batch) {
      const [seq, id] = row as [string, string];
      const prevHash = row[12];
      const hash = row[13];
      if (BigInt(seq) !== previousSeq + 1n)
        return fail({ ...base, rows }, id, seq, 'missing-before');
      if (prevHash !== previousHash) return fail({ ...base, rows }, id, seq, 'relinked');
      if (rowHash(row) !== hash) return fail({ ...base, rows }, id, seq, 'altered');
      if (anchor && seq === anchor.seq && hash !== anchor.hash) {
        return fail({ ...base, rows }, id, seq, 'anchor-mismatch');
      }
      previousSeq = BigInt(seq);
      previousHash = hash!;
      rows += 1;
    }
    if (batch.length < BATCH) break;
  }
  if (head.seq !== previousSeq.toString() || head.hash !== previousHash) {
    return fail({ ...base, rows }, null, null, 'head-mismatch');
  }
  if (anchor && BigInt(anchor.seq) > previousSeq)
    return fail({ ...base, rows }, null, null, 'anchor-mismatch');
  return { ok: true, rows, head };
}
