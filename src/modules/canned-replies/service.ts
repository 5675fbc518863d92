import { isManager, type Actor } from '../../auth/actor.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { fillPlaceholders, SHORTCUT_USE, type FillContext } from './placeholders.js';
import { REPLY_FIELDS, replyChoices } from './queries.js';
import type { ReplyInput } from './schema.js';

export const SHORTCUT_TAKEN = 'Another saved reply already uses this shortcut.';

export function assertMayManage(actor: Actor): void {
  if (!isManager(actor))
    throw new ForbiddenError('Only supervisors and admins manage saved replies.');
}

// Ticket pages offer the library's choices through this module's service.
export { replyChoices };

export async function getReply(db: Db, id: number) {
  const reply = await db.cannedReply.findUnique({ where: { id }, select: REPLY_FIELDS });
  if (!reply) throw new NotFoundError('No such saved reply.');
  return reply;
}

export async function createReply(db: Db, actor: Actor, input: ReplyInput) {
  assertMayManage(actor);
  try {
    return await db.cannedReply.create({
      data: { ...input, createdById: actor.id },
      select: { id: true },
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ValidationError(SHORTCUT_TAKEN, { shortcut: SHORTCUT_TAKEN });
    throw error;
  }
}

export async function updateReply(
  db: Db,
  actor: Actor,
  id: number,
  input: ReplyInput & { version: number },
) {
  assertMayManage(actor);
  const { version, ...data } = input;
  try {
    const { count } = await db.cannedReply.updateMany({
      where: { id, version },
      data: { ...data, version: { increment: 1 } },
    });
    if (count === 0)
      throw new ConflictError(
        'Someone changed this reply since you opened it.',
        await getReply(db, id),
      );
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ValidationError(SHORTCUT_TAKEN, { shortcut: SHORTCUT_TAKEN });
    throw error;
  }
}

export async function deleteReply(db: Db, actor: Actor, id: number) {
  assertMayManage(actor);
  const { count } = await db.cannedReply.deleteMany({ where: { id } });
  if (count === 0) throw new NotFoundError('No such saved reply.');
}

type Tx = Prisma.TransactionClient | Db;

/**
 * Replaces each `;shortcut` of a known reply with that reply's text, placeholders filled from the
 * record being written on, and counts one use per reply inserted.
 */
export async function expandShortcuts(db: Tx, text: string, context: FillContext): Promise<string> {
  const wanted = [...new Set([...text.matchAll(SHORTCUT_USE)].map((m) => m[2]))];
  if (!wanted.length) return text;
  const replies = await db.cannedReply.findMany({
    where: { shortcut: { in: wanted } },
    select: { id: true, shortcut: true, body: true },
  });
  if (!replies.length) return text;
  const byShortcut = new Map(replies.map((r) => [r.shortcut, r]));
  const used = new Map<number, number>();
  const expanded = text.replace(SHORTCUT_USE, (whole, lead: string, shortcut: string) => {
    const reply = byShortcut.get(shortcut);
    if (!reply) return whole;
    used.set(reply.id, (used.get(reply.id) ?? 0) + 1);
    return lead + fillPlaceholders(reply.body, context);
  });
  for (const [id, n] of used)
    await db.cannedReply.update({ where: { id }, data: { useCount: { increment: n } } });
  return expanded;
}

/** What a reply's placeholders are filled from when it is used on a ticket. */
export async function ticketFillContext(
  db: Db,
  ticketId: number,
  actor: Actor,
): Promise<FillContext> {
  const ticket = await db.supportTicket.findUnique({
    where: { id: ticketId },
    select: {
      number: true,
      subject: true,
      customer: { select: { firstName: true, lastName: true, fullName: true } },
      consultation: { select: { reference: true } },
    },
  });
  return { ...ticket, ticket, agent: { name: actor.name ?? '' } };
}

export async function interactionFillContext(
  db: Db,
  interactionId: number,
  actor: Actor,
): Promise<FillContext> {
  const interaction = await db.interaction.findUnique({
    where: { id: interactionId },
    select: { customer: { select: { firstName: true, lastName: true, fullName: true } } },
  });
  return { customer: interaction?.customer, agent: { name: actor.name ?? '' } };
}

/** A reply picked from the list (rather than typed as `;shortcut`) goes at the end of the text. */
export async function withPickedReply(db: Db, text: string, replyId: unknown): Promise<string> {
  if (typeof replyId !== 'string' || !/^\d{1,9}$/.test(replyId)) return text;
  const reply = await db.cannedReply.findUnique({
    where: { id: Number(replyId) },
    select: { shortcut: true },
  });
  if (!reply) return text;
  return `${text.trim()}${text.trim() ? '\n\n' : ''};${reply.shortcut}`;
}
