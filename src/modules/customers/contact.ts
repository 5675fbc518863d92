import { recordAudit } from '../../audit.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { Actor } from '../../auth/actor.js';
import { phoneDigits } from '../../lib/references.js';
import type { ContactInput } from './schema.js';
import { assertCallerCleared } from '../interactions/verification.js';
import { assertMayCorrectContact } from './policy.js';
import { writeRecordChanges } from '../../db/record-changes.js';

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

export async function getContact(db: Db | Prisma.TransactionClient, id: number): Promise<Contact> {
  const c = await db.customer.findUnique({
    where: { id },
    select: { id: true, fullName: true, phone: true, email: true, address: true, version: true },
  });
  if (!c) throw new NotFoundError();
  return c;
}

export interface ContactCorrection {
  customerId: number;
  input: ContactInput;
  /** Where the correction came from, for the audit trail. */
  ip?: string;
}

async function staleContact(
  db: Db | Prisma.TransactionClient,
  customerId: number,
): Promise<ConflictError> {
  return new ConflictError(
    'Someone corrected these details while you were editing.',
    await getContact(db, customerId),
  );
}

/**
 * Corrects a customer's phone (already in E.164), email and address. The form's version must
 * still be current (a 409 otherwise, with what is saved now); each changed field is recorded with
 * its old value. Returns the fields that changed.
 */
export async function correctContact(
  db: Db,
  actor: Actor,
  correction: ContactCorrection,
): Promise<ContactField[]> {
  const { customerId: id, input } = correction;
  assertMayCorrectContact(actor);
  const current = await getContact(db, id);
  await assertCallerCleared(db, input.interactionId, id);
  if (current.version !== input.version) throw await staleContact(db, id);
  const next = { phone: input.phone, email: input.email, address: input.address || null };
  const changed = CONTACT_FIELDS.filter((f) => (current[f] ?? null) !== next[f]);
  if (!changed.length) return [];
  try {
    await db.$transaction((tx) =>
      writeCorrection(tx, actor, { ...correction, current, next, changed }),
    );
  } catch (error) {
    if (isUniqueViolation(error)) {
      const message = 'Another customer already has this email.';
      throw new ValidationError(message, { email: message });
    }
    throw error;
  }
  return changed;
}

type ContactValues = Pick<Contact, ContactField>;

async function writeCorrection(
  tx: Prisma.TransactionClient,
  actor: Actor,
  w: ContactCorrection & { current: Contact; next: ContactValues; changed: ContactField[] },
): Promise<void> {
  const id = w.customerId;
  const { count } = await tx.customer.updateMany({
    where: { id, version: w.input.version },
    data: { ...w.next, phoneDigits: phoneDigits(w.next.phone), version: { increment: 1 } },
  });
  if (count !== 1) throw await staleContact(tx, id);
  await writeRecordChanges(
    tx,
    w.changed.map((field) => ({
      recordType: 'customer',
      recordId: id,
      actorId: actor.id,
      field,
      from: w.current[field],
      to: w.next[field],
    })),
  );
  await recordAudit(tx, {
    actor,
    action: 'contact_corrected',
    customerId: id,
    recordType: 'customer',
    recordId: id,
    fieldGroup: w.changed.join(','),
    ip: w.ip,
  });
}
