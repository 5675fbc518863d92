import type { Db } from '../../db/client.js';
import { activeStaff, readActiveStaff } from '../staff/directory.js';
import { notify, type Writer } from './service.js';

/** @Full Name mentions in a note; everyone mentioned is notified. */

export interface Mentionable {
  id: number;
  name: string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The people a text mentions: "@" then a staff member's full name, not run on into another word.
 * Longer names are tried first so "@Ada Obi-Eze" is not read as "@Ada Obi".
 */
export function findMentions(text: string, staff: Mentionable[]): number[] {
  if (!text.includes('@')) return [];
  const found = new Set<number>();
  const byLength = [...staff].sort((a, b) => b.name.length - a.name.length);
  for (const person of byLength) {
    const name = person.name.trim();
    if (!name) continue;
    const pattern = new RegExp(`(^|[^\\w@])@${escape(name)}(?![\\w-])`, 'i');
    if (pattern.test(text)) found.add(person.id);
  }
  return [...found];
}

/**
 * The names a note field offers after "@" (public/js/mentions.js): active desk staff, as doctors
 * never see tickets or interactions.
 */
export async function mentionNames(db: Db): Promise<string[]> {
  return (await activeStaff(db)).map((person) => person.name);
}

/** Notifies each colleague a note mentions, in the transaction that writes the note. */
export async function notifyMentions(
  tx: Writer,
  note: { text: string; actorId: number; record: { type: 'ticket' | 'interaction'; id: number } },
): Promise<number[]> {
  const mentioned = findMentions(note.text, await readActiveStaff(tx));
  const kind = note.record.type === 'ticket' ? 'ticket_mention' : 'interaction_mention';
  await notify(
    tx,
    mentioned.map((userId) => ({
      userId,
      kind,
      recordType: note.record.type,
      recordId: note.record.id,
      actorId: note.actorId,
    })),
  );
  return mentioned;
}
