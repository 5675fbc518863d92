import type pg from 'pg';
import type { Role } from '../../generated/prisma/enums.js';
import { containsPattern } from '../../lib/like.js';
import { nameOrEmailMatches } from '../customers/picker.js';
import { mayOpen, pagesFor } from './policy.js';
import { MIN_SEARCH, referenceFrom } from './schema.js';

export interface PaletteResult {
  kind: 'page' | 'ticket' | 'consultation' | 'patient';
  label: string;
  detail: string;
  href: string;
}

const PATIENTS_SHOWN = 6;

function matchingPages(role: Role, q: string): PaletteResult[] {
  const text = q.toLowerCase();
  return pagesFor(role)
    .filter((p) => !text || p.label.toLowerCase().includes(text))
    .map((p) => ({ kind: 'page', label: p.label, detail: 'Page', href: p.href }));
}

async function ticketByNumber(pool: pg.Pool, q: string): Promise<PaletteResult[]> {
  const number = referenceFrom('TKT', q);
  if (!number) return [];
  const { rows } = await pool.query<{ id: number; number: string; subject: string }>(
    'SELECT id, number, subject FROM support_tickets WHERE number = $1',
    [number],
  );
  return rows.map((t) => ({
    kind: 'ticket',
    label: t.number,
    detail: t.subject,
    href: `/tickets/${t.id}`,
  }));
}

async function consultationByReference(pool: pg.Pool, q: string): Promise<PaletteResult[]> {
  const reference = referenceFrom('CNS', q);
  if (!reference) return [];
  const { rows } = await pool.query<{ id: number; reference: string; patient: string }>(
    `SELECT c.id, c.reference, cu.full_name AS patient
       FROM consultations c JOIN customers cu ON cu.id = c.customer_id WHERE c.reference = $1`,
    [reference],
  );
  return rows.map((c) => ({
    kind: 'consultation',
    label: c.reference,
    detail: c.patient,
    href: `/consultations/${c.id}`,
  }));
}

// Name, email or phone digits, each served by its trigram index.
async function patients(pool: pg.Pool, q: string): Promise<PaletteResult[]> {
  if (q.length < MIN_SEARCH) return [];
  const digits = q.replace(/\D/g, '');
  const byPhone = digits.length >= 3 && /^[\d\s()+-]+$/.test(q);
  const { rows } = await pool.query<{
    id: number;
    full_name: string;
    email: string;
    phone: string;
  }>(
    `SELECT id, full_name, email, phone FROM customers
      WHERE ${nameOrEmailMatches('customers', '$1')} ${byPhone ? 'OR phone_digits LIKE $3' : ''}
      ORDER BY full_name, id LIMIT $2`,
    byPhone
      ? [containsPattern(q), PATIENTS_SHOWN, `%${digits}%`]
      : [containsPattern(q), PATIENTS_SHOWN],
  );
  return rows.map((c) => ({
    kind: 'patient',
    label: c.full_name,
    detail: `${c.email} · ${c.phone}`,
    href: `/customers/${c.id}`,
  }));
}

/** What the viewer may open that matches the text: only kinds their role's guards let through. */
export async function paletteResults(
  pool: pg.Pool,
  role: Role,
  q: string,
): Promise<PaletteResult[]> {
  const [tickets, consultations, people] = await Promise.all([
    mayOpen.tickets(role) ? ticketByNumber(pool, q) : [],
    mayOpen.consultations(role) ? consultationByReference(pool, q) : [],
    mayOpen.customers(role) ? patients(pool, q) : [],
  ]);
  return [...tickets, ...consultations, ...matchingPages(role, q), ...people];
}
