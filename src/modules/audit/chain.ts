import { createHash } from 'node:crypto';
import type pg from 'pg';

/** The hash before the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** Rows per read, and the most segments read side by side (each on its own connection). */
const BATCH = 10_000;
const SEGMENTS = 2;
/** Below this many rows per segment, splitting costs more than it saves. */
const SEGMENT_MIN_ROWS = 50_000;

/** The row's fields in canonical order (prev_hash follows them, last). */
const CANONICAL_FIELDS = [
  'e.seq::text',
  'e.id::text',
  `to_char(e.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS')`,
  'e.actor_id::text',
  'e.actor_role::text',
  'e.action',
  'e.customer_id::text',
  'e.record_type',
  'e.record_id::text',
  'e.field_group',
  'e.reason',
  'e.ip',
];

/**
 * Each row as seq, id, its canonical content but the link, prev_hash and hash. The database's
 * audit_event_hash() builds the same form inside the insert trigger; this copy, written here and
 * run with built-in operators only, exists so verification never trusts code stored in the
 * database it is checking. The form is assembled in the query because reading one string per
 * row costs this process far less than fourteen fields; the hashing stays here.
 */
// Qualified so ORDER BY sorts the bigint column, not its text rendering.
const COLUMNS = `e.seq::text, e.id::text, ${CANONICAL_FIELDS.map(
  (f) => `coalesce(octet_length(${f})::text || ':' || ${f} || ';', 'N;')`,
).join(' || ')}, e.prev_hash, e.hash`;

/** seq, id, canonical content without the link, prev_hash, hash. */
type ChainRow = [string, string, string, string | null, string | null];

function field(value: string | null): string {
  return value === null ? 'N;' : `${Buffer.byteLength(value, 'utf8')}:${value};`;
}

/** SHA-256 over the canonical content and the link (prev_hash last). */
export function rowHash(content: string, prevHash: string | null): string {
  return createHash('sha256')
    .update(content + field(prevHash), 'utf8')
    .digest('hex');
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

interface Segment {
  /** First and last seq of the segment, and the hash the row before `from` carries. */
  from: bigint;
  to: bigint;
  prevHash: string | null;
}

/** The first row that does not match, and why. */
interface Found {
  id: string;
  seq: string;
  problem: ChainProblem;
}

interface SegmentResult {
  rows: number;
  lastSeq: bigint;
  lastHash: string;
  failure?: Found;
}

/** Verifies one seq range in order, reading the next batch while this one is hashed. */
async function verifySegment(
  pool: pg.Pool,
  segment: Segment,
  anchor: Anchor | undefined,
  batchSize: number,
): Promise<SegmentResult> {
  const fetch = (after: bigint) => {
    const query = pool.query<ChainRow>({
      text: `SELECT ${COLUMNS} FROM audit_events e WHERE e.seq > $1 AND e.seq <= $2
              ORDER BY e.seq LIMIT ${batchSize}`,
      values: [after.toString(), segment.to.toString()],
      rowMode: 'array',
    });
    query.catch(() => {}); // a prefetch abandoned by an early failure must not surface as unhandled
    return query;
  };
  // Numbers, not bigints, in the loop: seq stays far below 2^53.
  let previousSeq = Number(segment.from - 1n);
  let previousHash = segment.prevHash ?? '';
  let rows = 0;
  const stop = (row: ChainRow, problem: ChainProblem): SegmentResult => ({
    rows,
    lastSeq: BigInt(previousSeq),
    lastHash: previousHash,
    failure: { id: row[1], seq: row[0], problem },
  });
  let next = fetch(BigInt(previousSeq));
  for (;;) {
    const { rows: batch } = await next;
    if (batch.length === batchSize) next = fetch(BigInt(batch[batch.length - 1][0]));
    for (const row of batch) {
      const [seq, , content, prevHash, hash] = row;
      if (Number(seq) !== previousSeq + 1) return stop(row, 'missing-before');
      if (prevHash !== previousHash) return stop(row, 'relinked');
      if (rowHash(content, prevHash) !== hash) return stop(row, 'altered');
      if (anchor && seq === anchor.seq && hash !== anchor.hash) return stop(row, 'anchor-mismatch');
      previousSeq += 1;
      previousHash = hash!;
      rows += 1;
    }
    if (batch.length < batchSize) break;
  }
  return { rows, lastSeq: BigInt(previousSeq), lastHash: previousHash };
}

/** Splits seq 1..last into up to `count` ranges, each with the stored hash of the row before. */
async function segmentsOf(pool: pg.Pool, last: bigint, count: number): Promise<Segment[]> {
  const size = (last + BigInt(count) - 1n) / BigInt(count);
  const starts = Array.from({ length: count }, (_, i) => 1n + BigInt(i) * size).filter(
    (from) => from <= last,
  );
  const { rows } = await pool.query<{ seq: string; hash: string }>(
    'SELECT seq::text AS seq, hash FROM audit_events WHERE seq = ANY($1::bigint[])',
    [starts.slice(1).map((from) => (from - 1n).toString())],
  );
  const before = new Map(rows.map((r) => [r.seq, r.hash]));
  return starts.map((from, i) => ({
    from,
    to: i + 1 < starts.length ? starts[i + 1] - 1n : last,
    prevHash: i === 0 ? GENESIS_HASH : (before.get((from - 1n).toString()) ?? null),
  }));
}

export interface VerifyTuning {
  /** Most seq ranges verified side by side (default 2; 1 reads the chain in one pass). */
  segments?: number;
  /** Rows per segment below which fewer segments are used (default 50 000). */
  segmentMinRows?: number;
  batchSize?: number;
}

/** The chain head as recorded and the highest seq written, read in one snapshot. */
async function chainTop(pool: pg.Pool) {
  // One statement, one snapshot: the head and the highest seq agree even while rows are added.
  const top = await pool.query<{ seq: string | null; hash: string | null; last: string | null }>(
    `SELECT c.seq::text AS seq, c.hash, (SELECT max(seq) FROM audit_events)::text AS last
       FROM (SELECT 1) one LEFT JOIN audit_chain c ON c.id = 1`,
  );
  const head = { seq: top.rows[0].seq ?? '0', hash: top.rows[0].hash ?? GENESIS_HASH };
  return { head, last: BigInt(top.rows[0].last ?? '0') };
}

/** The first row written around the chain trigger (no seq or no hash), if any. */
async function firstUnchained(pool: pg.Pool): Promise<string | undefined> {
  const loose = await pool.query<{ id: string }>(
    'SELECT id::text AS id FROM audit_events WHERE seq IS NULL OR hash IS NULL ORDER BY id LIMIT 1',
  );
  return loose.rows[0]?.id;
}

/** How many seq ranges to read side by side: few enough that each holds enough rows. */
function segmentCount(last: bigint, tuning: VerifyTuning): number {
  const minRows = BigInt(tuning.segmentMinRows ?? SEGMENT_MIN_ROWS);
  const wanted = Number(last / (minRows > 0n ? minRows : 1n));
  return Math.max(1, Math.min(tuning.segments ?? SEGMENTS, wanted));
}

interface Joined {
  rows: number;
  /** The last row verified, as the chain head should record it. */
  previous: { seq: bigint; hash: string };
  failure?: Found;
}

/**
 * Puts the ranges back in line: each must start right after the one before ended, from the hash
 * that one computed; the first row that does not is named.
 */
async function joinSegments(
  pool: pg.Pool,
  segments: Segment[],
  results: SegmentResult[],
): Promise<Joined> {
  let rows = 0;
  let previous = { seq: 0n, hash: GENESIS_HASH };
  for (const [i, result] of results.entries()) {
    const segment = segments[i];
    // A range that ended early lost rows at its end: the next row present is the one to name.
    if (previous.seq !== segment.from - 1n) {
      const at = await firstFrom(pool, segment.from);
      if (at) return { rows, previous, failure: { ...at, problem: 'missing-before' } };
      break;
    }
    if (previous.hash !== segment.prevHash) {
      const at = await firstFrom(pool, segment.from);
      if (at) return { rows, previous, failure: { ...at, problem: 'relinked' } };
    }
    rows += result.rows;
    if (result.failure) return { rows, previous, failure: result.failure };
    previous = { seq: result.lastSeq, hash: result.lastHash };
  }
  return { rows, previous };
}

/**
 * Recomputes the whole chain in seq order and names the first row that does not match. An
 * `anchor` (a seq and hash recorded elsewhere earlier, e.g. printed by a previous run) also
 * catches a chain rewritten from scratch by someone able to recompute every hash. Large chains
 * are read as a few seq ranges at once, each on its own connection (the database's reading and
 * sending is what takes the time); rows are immutable once written, so the ranges agree, and
 * each range's first row is held to the hash its predecessor range computed for the row before.
 */
export async function verifyChain(
  pool: pg.Pool,
  anchor?: Anchor,
  tuning: VerifyTuning = {},
): Promise<ChainVerdict> {
  const { head, last } = await chainTop(pool);
  const base = { rows: 0, head };
  const loose = await firstUnchained(pool);
  if (loose) return fail(base, loose, null, 'unchained');

  const segments = last > 0n ? await segmentsOf(pool, last, segmentCount(last, tuning)) : [];
  const results = await Promise.all(
    segments.map((s) => verifySegment(pool, s, anchor, tuning.batchSize ?? BATCH)),
  );
  const { rows, previous, failure } = await joinSegments(pool, segments, results);
  const verdict = { ...base, rows };
  if (failure) return fail(verdict, failure.id, failure.seq, failure.problem);
  if (head.seq !== previous.seq.toString() || head.hash !== previous.hash)
    return fail(verdict, null, null, 'head-mismatch');
  if (anchor && BigInt(anchor.seq) > previous.seq)
    return fail(verdict, null, null, 'anchor-mismatch');
  return { ok: true, rows, head };
}

async function firstFrom(pool: pg.Pool, from: bigint) {
  const { rows } = await pool.query<{ id: string; seq: string }>(
    'SELECT id::text AS id, seq::text AS seq FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT 1',
    [from.toString()],
  );
  return rows[0];
}
