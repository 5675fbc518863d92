import type { Db } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { escapeLike } from '../../lib/like.js';

/**
 * The customer picker other modules' forms use (new interaction, new ticket): customers is the
 * one module that decides how a customer is found and which of its fields a picker may show.
 */
/** Customers by name, email or phone digits (trigram indexes serve ILIKE '%…%'). */
export async function searchCustomers(db: Db, q: string | undefined) {
  const text = (q ?? '').trim();
  if (text.length < 2) return [];
  const digits = text.replace(/\D/g, '');
  const or: Prisma.CustomerWhereInput[] = [
    { fullName: { contains: escapeLike(text), mode: 'insensitive' } },
    { email: { contains: escapeLike(text), mode: 'insensitive' } },
  ];
  if (digits.length >= 3 && /^[\d\s()+-]+$/.test(text))
    or.push({ phoneDigits: { contains: digits } });
  return db.customer.findMany({
    where: { OR: or },
    select: { id: true, fullName: true, email: true, phone: true },
    orderBy: [{ fullName: 'asc' }, { id: 'asc' }],
    take: 20,
  });
}

/**
 * SQL matching a customer's name or email against a bound `%…%` pattern (`containsPattern`), for
 * every module's search. customers.search_text holds both lowercased (migration
 * 20261203080000_customer_search_text), so no row is lowercased at search time. `alias` names the
 * customers table in the caller's SQL.
 */
export function nameOrEmailMatches(alias: string, pattern: string): string {
  return `${alias}.search_text LIKE lower(${pattern})`;
}

export async function findCustomer(db: Db, id: number) {
  return db.customer.findUnique({
    where: { id },
    select: { id: true, fullName: true, email: true, phone: true },
  });
}
