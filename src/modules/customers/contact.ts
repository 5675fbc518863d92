import { recordAudit } from '../../audit.js';
import type { Db } from '../../db/client.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Role } from '../../generated/prisma/enums.js';
import { phoneDigits } from '../../lib/references.js';
import type { ContactInput } from './schema.js';
import { assertCallerCleared } from '../interactions/verification.js';

export const CONTACT_FIELDS = ['phone', 'email', 'address'] as const;
type ContactField = (typeof CONTACT_FIELDS)[number];

export interface Contact {
  id: number;
  fullName: string;
  phone: string;
  email: string;
  address: string | null;
  version: number;
}

export async function getContact(db: Db, id: number): Promise<Contact> {
  const c = await db.customer.findUnique({
    where: { id },
    select: { id: true, fullName: true, phone: true, email: true, address: true, version: true },
  });
  if (!c) throw new NotFoundError();
  return c;
}

/** The contact corrections of one customer, newest first (contact details only, never medical). */
export async function contactHistory(db: Db, customerId: number) {
  const rows = await db.recordChange.findMany({
    where: { recordType: 'customer', recordId: customerId, field: { in: [...CONTACT_FIELDS] } },
    select: {
      field: true,
      fromValue: true,
      toValue: true,
      createdAt: true,
      actor: { select: { name: true } },
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: 50,
  });
  return rows.map((r) => ({ ...r, actorName: r.actor?.name ?? null }));
}

/**
 * Corrects a customer's phone (already in E.164), email and address. The form's version must still be current (a
 * 409 otherwise, with what is saved now); each changed field is recorded with its old value.
 */
export async function correctContact(
  db: Db,
  actor: { id: number; role: Role },
  id: number,
  input: ContactInput,
  ip?: string,
): Promise<ContactField[]> {
  const { phone } = input;
  const current = await getContact(db, id);
  await assertCallerCleared(db, input.interactionId, id);
  const stale = async () =>
    new ConflictError(
      'Someone corrected these details while you were editing.',
      await getContact(db, id),
    );
  if (current.version !== input.version) throw await stale();
  const next = { phone, email: input.email, address: input.address || null };
  const changed = CONTACT_FIELDS.filter((f) => (current[f] ?? null) !== next[f]);
  if (!changed.length) return [];
  try {
    await db.$transaction(async (tx) => {
      const { count } = await tx.customer.updateMany({
        where: { id, version: input.version },
        data: { ...next, phoneDigits: phoneDigits(phone), version: { increment: 1 } },
      });
      if (count !== 1) throw await stale();
      await tx.recordChange.createMany({
        data: changed.map((field) => ({
          recordType: 'customer' as const,
          recordId: id,
          actorId: actor.id,
          field,
          fromValue: current[field],
          toValue: next[field],
        })),
      });
      await recordAudit(tx, {
        actor,
        action: 'contact_corrected',
        customerId: id,
        recordType: 'customer',
        recordId: id,
        fieldGroup: changed.join(','),
        ip,
      });
    });
  } catch (error) {
    if ((error as { code?: string })?.code === 'P2002') {
      const message = 'Another customer already has this email.';
      throw new ValidationError(message, { email: message });
    }
    throw error;
  }
  return changed;
}
