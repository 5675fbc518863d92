import { randomBytes } from 'node:crypto';
import type { TestDatabase } from '../support/db.js';

let counter = 0;

/** Random letters only, so generated names and emails never match a digit search. */
const letters = () =>
  randomBytes(4)
    .toString('hex')
    .replace(/\d/g, (d) => 'ghijklmnop'[Number(d)]);

/** A customer row with fullName and phoneDigits kept consistent. */
export async function makeCustomer(
  db: TestDatabase,
  extra: Partial<{
    firstName: string;
    lastName: string;
    email: string;
    phone: string;
    dateOfBirth: Date;
    createdAt: Date;
    lastActivityAt: Date | null;
  }> = {},
) {
  counter += 1;
  const firstName = extra.firstName ?? `Pat${counter}`;
  const lastName = extra.lastName ?? `Lee${letters()}`;
  // Fixed digits: a random default could contain the digits another test searches for.
  const phone = extra.phone ?? `+234 700 000 ${String(counter).padStart(4, '0')}`;
  return db.prisma.customer.create({
    data: {
      firstName,
      lastName,
      fullName: `${firstName} ${lastName}`,
      email: extra.email ?? `p${counter}-${letters()}@example.test`,
      phone,
      phoneDigits: phone.replace(/\D/g, ''),
      dateOfBirth: extra.dateOfBirth ?? new Date('1990-05-17'),
      createdAt: extra.createdAt,
      lastActivityAt: extra.lastActivityAt ?? null,
    },
  });
}

export async function makeConsultation(
  db: TestDatabase,
  customerId: number,
  extra: Partial<{
    doctorId: number | null;
    status: 'pending' | 'scheduled' | 'completed' | 'cancelled';
    paymentModel: 'pay_first' | 'pay_later';
    paymentStatus: 'unpaid' | 'pending' | 'paid';
    createdAt: Date;
  }> = {},
) {
  counter += 1;
  return db.prisma.consultation.create({
    data: {
      reference: `CNS-T${String(counter).padStart(7, '0')}`,
      customerId,
      doctorId: extra.doctorId ?? null,
      mode: 'video',
      paymentModel: extra.paymentModel ?? 'pay_later',
      paymentStatus: extra.paymentStatus ?? 'unpaid',
      amountMinor: 500000,
      status: extra.status ?? 'pending',
      createdAt: extra.createdAt,
    },
  });
}
