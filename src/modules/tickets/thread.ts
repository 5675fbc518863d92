import type { Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { notifyMentions } from '../notifications/mentions.js';
import { ConflictError, ForbiddenError, NotFoundError, TransitionError } from '../../errors.js';
import type { EntryInput } from './schema.js';

/** An entry stays editable by its author this long; after that a colleague may have read it. */
export const ENTRY_EDIT_WINDOW_MS = 5 * 60_000;

export const MERGED_MESSAGE = 'This ticket was merged; write on the ticket it was merged into.';

export function canEditEntry(
  actor: Actor,
  entry: { authorId: number; createdAt: Date },
  now: Date,
): boolean {
  return (
    entry.authorId === actor.id && now.getTime() - entry.createdAt.getTime() < ENTRY_EDIT_WINDOW_MS
  );
}

/**
 * Appends a note or contact entry. An outbound contact is the first response the SLA waits for;
 * notes are internal and inbound contacts are the patient's move, so neither stops that clock.
 */
export async function addEntry(
  db: Db,
  actor: Actor,
  ticketId: number,
  input: EntryInput & { now?: Date },
) {
  const now = input.now ?? new Date();
  const ticket = await db.supportTicket.findUnique({
    where: { id: ticketId },
    select: { status: true },
  });
  if (!ticket) throw new NotFoundError('No such ticket.');
  if (ticket.status === 'merged') throw new TransitionError(MERGED_MESSAGE);
  return db.$transaction(async (tx) => {
    const entry = await tx.ticketEntry.create({
      data: {
        ticketId,
        authorId: actor.id,
        kind: input.kind,
        body: input.body,
        createdAt: now,
        channel: input.kind === 'contact' ? input.channel : null,
        direction: input.kind === 'contact' ? input.direction : null,
      },
      select: { id: true },
    });
    await notifyMentions(tx, {
      text: input.body,
      actorId: actor.id,
      record: { type: 'ticket', id: ticketId },
    });
    if (input.kind === 'contact' && input.direction === 'outbound') {
      await tx.supportTicket.updateMany({
        where: { id: ticketId, firstResponseAt: null },
        data: { firstResponseAt: now },
      });
    }
    return entry;
  });
}

const ENTRY_FIELDS = {
  id: true,
  ticketId: true,
  authorId: true,
  kind: true,
  channel: true,
  direction: true,
  body: true,
  createdAt: true,
  editedAt: true,
  version: true,
} as const;

export async function getEntry(db: Db, ticketId: number, entryId: number) {
  const entry = await db.ticketEntry.findUnique({ where: { id: entryId }, select: ENTRY_FIELDS });
  if (!entry || entry.ticketId !== ticketId)
    throw new NotFoundError('No such entry on this ticket.');
  return entry;
}

export function assertMayEditEntry(
  actor: Actor,
  entry: { authorId: number; createdAt: Date },
  now: Date,
): void {
  if (entry.authorId !== actor.id) throw new ForbiddenError('Only the author can change an entry.');
  if (!canEditEntry(actor, entry, now)) {
    throw new ForbiddenError(
      'Entries can be changed for 5 minutes after posting; add a new entry instead.',
    );
  }
}

/** The author's correction inside the edit window; the text it replaces is kept as a revision. */
export async function editEntry(
  db: Db,
  actor: Actor,
  ids: { ticketId: number; entryId: number },
  input: { body: string; version: number; now?: Date },
) {
  const now = input.now ?? new Date();
  const entry = await getEntry(db, ids.ticketId, ids.entryId);
  assertMayEditEntry(actor, entry, now);
  if (entry.body === input.body) return;
  await db.$transaction(async (tx) => {
    const { count } = await tx.ticketEntry.updateMany({
      where: { id: entry.id, version: input.version },
      data: { body: input.body, editedAt: now, version: { increment: 1 } },
    });
    if (count === 0) {
      const current = await tx.ticketEntry.findUnique({
        where: { id: entry.id },
        select: ENTRY_FIELDS,
      });
      throw new ConflictError('This entry was changed since you opened it.', current);
    }
    await tx.ticketEntryRevision.create({
      data: { entryId: entry.id, editorId: actor.id, previousBody: entry.body, editedAt: now },
    });
  });
}
