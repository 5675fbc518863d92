// The scale seed's thread entries (src/db/seed/large.ts runs it after the tickets).
import { chunked, NOW, pick, weighted } from './scale-sql.js';
import * as words from './vocabulary.js';

// Thread entries on random tickets (about half get at least one), by the agents, written in the two
// days after the ticket was opened and never in the future (tickets opened in the last minutes,
// after their interaction, can lie ahead of now: they get none).
export async function loadThreads(
  q: (sql: string, params?: unknown[]) => Promise<unknown>,
  {
    entries,
    agents,
    tickets,
  }: { entries: number; agents: number[]; tickets: { base: number; top: number } },
): Promise<void> {
  await chunked('thread entries', entries, (_start, count) =>
    q(
      `INSERT INTO ticket_entries (ticket_id, author_id, kind, channel, direction, body, created_at)
       SELECT t.id, ${pick('$1::int[]', 's.ra')}, w.kind::"TicketEntryKind",
              CASE WHEN w.kind = 'contact' THEN w.channel::"ContactChannel" END,
              CASE WHEN w.kind = 'contact' THEN w.direction::"ContactDirection" END,
              CASE WHEN w.kind = 'note' THEN ${pick('$2::text[]', 's.rb')} ELSE ${pick('$3::text[]', 's.rb')} END,
              least(${NOW}, t.created_at + (1 + floor(s.rt * 2880)) * interval '1 minute')
         FROM (SELECT ${tickets.base + 1} + floor(random() * ${tickets.top - tickets.base})::int AS tid,
                      random() AS ra, random() AS rb, random() AS rt, random() AS rk, random() AS rc, random() AS rd
                 FROM generate_series(1, $4::int)) s
         JOIN support_tickets t ON t.id = s.tid AND t.created_at < ${NOW}
         CROSS JOIN LATERAL (SELECT ${weighted('s.rk', { note: 40, contact: 60 })} AS kind,
                                    ${weighted('s.rc', { call: 45, whatsapp: 30, email: 15, sms: 10 })} AS channel,
                                    ${weighted('s.rd', { outbound: 60, inbound: 40 })} AS direction) w`,
      [agents, words.ENTRY_BODIES.note, words.ENTRY_BODIES.contact, count],
    ),
  );
}
