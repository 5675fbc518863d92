// SQL builders for the scale seed: every value comes from random() inside PostgreSQL, so these
// return SQL text to splice into INSERT ... SELECT ... FROM generate_series(...).
const CHUNK = 100_000;
export const NOW = `(now() AT TIME ZONE 'UTC')`;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const CODE_SPACE = 36n ** 8n;
// Coprime with 36, so i -> (i * STEP + offset) mod 36^8 is a bijection: references never collide.
const STEP = 1_000_000_007n;

/** SQL for 8 base-36 characters of a bigint expression already reduced modulo 36^8. */
function base36(expr: string): string {
  const parts = [];
  for (let k = 7; k >= 0; k--)
    parts.push(`substr('${ALPHABET}', ((${expr}) / ${36n ** BigInt(k)} % 36)::int + 1, 1)`);
  return parts.join(' || ');
}

export function reference(prefix: string, indexExpr: string, offset: bigint): string {
  return `'${prefix}-' || ${base36(`((${indexExpr})::bigint * ${STEP} + ${offset}) % ${CODE_SPACE}`)}`;
}

export const pick = (param: string, r: string) =>
  `(${param})[1 + floor(${r} * array_length(${param}, 1))::int]`;

/** CASE over cumulative weights, e.g. weighted('r', { resolved: 50, open: 50 }). */
export function weighted(r: string, weights: Record<string, number>): string {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  let acc = 0;
  const entries = Object.entries(weights);
  const whens = entries.slice(0, -1).map(([value, w]) => {
    acc += w;
    return `WHEN ${r} < ${acc / total} THEN '${value}'`;
  });
  return `(CASE ${whens.join(' ')} ELSE '${entries[entries.length - 1][0]}' END)`;
}

// Recent days are busier: power(u, 2) pulls timestamps towards now. u falls as the row number i
// rises, so rows are appended in time order like a real table (created_at correlates with id).
export const recent = (i: string, total: number, days: number) =>
  `date_trunc('second', ${NOW} - power(1 - (${i} - random()) / ${total}, 2) * ${days} * interval '1 day')`;

export function progress(label: string, done: number, total: number): void {
  const pct = total ? Math.floor((done / total) * 100) : 100;
  const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
  const line = `  ${label.padEnd(16)} [${bar}] ${String(pct).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}${done >= total ? '\n' : ''}`);
  else if (done >= total || pct % 20 === 0) process.stdout.write(line + '\n');
}

export async function chunked(
  label: string,
  total: number,
  run: (start: number, count: number) => Promise<unknown>,
): Promise<void> {
  const started = Date.now();
  progress(label, 0, total);
  for (let start = 0; start < total; start += CHUNK) {
    const count = Math.min(CHUNK, total - start);
    await run(start, count);
    progress(label, start + count, total);
  }
  process.stdout.write(`  ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

export function randomOffset(): bigint {
  return BigInt(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)) % CODE_SPACE;
}

/** The escalations columns the two escalation inserts fill. */
export const escalationColumns = `customer_id, ticket_id, interaction_id, consultation_id, target_type, target_user_id, raised_by_id, reason, status,
                           outcome, taken_at, resolved_at, resolved_by_id, created_at, updated_at`;
/**
 * The SELECT for escalations from a `src` CTE of sources; $1-$6 are admins, doctors, agents, the
 * admin and doctor reasons, and the outcomes.
 */
export const escalationValues = (statusExpr: string) => `
     SELECT customer_id, ticket_id, interaction_id, consultation_id, target::"EscalationTarget", target_user, ${pick('$3::int[]', 'r3')},
            CASE WHEN target = 'admin' THEN ${pick('$4::text[]', 'r4')} ELSE ${pick('$5::text[]', 'r4')} END, status::"EscalationStatus",
            CASE WHEN status IN ('resolved', 'closed') THEN ${pick('$6::text[]', 'r5')} END,
            CASE WHEN status <> 'pending' THEN created + (5 + floor(r6 * 235)) * interval '1 minute' END,
            CASE WHEN status IN ('resolved', 'closed') THEN least(${NOW}, created + (60 + floor(power(r7, 2) * 2940)) * interval '1 minute') END,
            CASE WHEN status IN ('resolved', 'closed') THEN target_user END, created, ${NOW}
       FROM (SELECT src.*, tg.target, tg.target_user, r3, r4, r5, r6, r7,
                    least(${NOW} - interval '5 minutes', src.at + (10 + floor(r8 * 590)) * interval '1 minute') AS created,
                    ${statusExpr} AS status
               FROM src
              CROSS JOIN LATERAL (SELECT random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
                                         random() AS r7, random() AS r8, random() AS r9, src.ticket_id AS _dep) rr
              CROSS JOIN LATERAL (SELECT CASE WHEN r1 < 0.55 THEN 'admin' ELSE 'doctor' END AS target) tt
              CROSS JOIN LATERAL (SELECT tt.target, CASE WHEN tt.target = 'admin' THEN ${pick('$1::int[]', 'r2')} ELSE ${pick('$2::int[]', 'r2')} END AS target_user) tg) x`;
