import type { Db } from '../../db/client.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { consultationAsEscalationSource } from '../consultations/queries.js';
import { interactionAsEscalationSource } from '../interactions/queries.js';
import { ticketAsEscalationSource } from '../tickets/escalation-source.js';
import type { SourceRef } from './schema.js';

// The record an escalation is raised from (ticket / interaction / consultation): identifiers,
// subject, status and customer name only, each read through its own module's query for the
// purpose. Medical relations are never selected.

export interface SourceSummary {
  kind: 'ticket' | 'interaction' | 'consultation';
  id: number;
  label: string;
  title: string | null;
  status: string;
  customerId: number;
  customerName: string;
  href: string;
}

async function ticketSource(db: Db, id: number): Promise<SourceSummary> {
  const t = await ticketAsEscalationSource(db, id);
  if (!t) throw new NotFoundError('That ticket does not exist.');
  return {
    kind: 'ticket',
    id: t.id,
    label: `Ticket ${t.number}`,
    title: t.subject,
    status: t.status,
    customerId: t.customerId,
    customerName: t.customer.fullName,
    href: `/tickets/${t.id}`,
  };
}

async function interactionSource(db: Db, id: number): Promise<SourceSummary> {
  const i = await interactionAsEscalationSource(db, id);
  if (!i) throw new NotFoundError('That interaction does not exist.');
  return {
    kind: 'interaction',
    id: i.id,
    label: `Interaction #${i.id} (${i.channel})`,
    title: i.subject,
    status: i.status,
    customerId: i.customerId,
    customerName: i.customer.fullName,
    href: `/interactions/${i.id}`,
  };
}

async function consultationSource(db: Db, id: number): Promise<SourceSummary> {
  const c = await consultationAsEscalationSource(db, id);
  if (!c) throw new NotFoundError('That consultation does not exist.');
  return {
    kind: 'consultation',
    id: c.id,
    label: `Consultation ${c.reference} (${c.mode})`,
    title: null,
    status: c.status,
    customerId: c.customerId,
    customerName: c.customer.fullName,
    href: `/consultations/${c.id}`,
  };
}

export async function loadSource(db: Db, ref: SourceRef): Promise<SourceSummary> {
  if (ref.ticketId !== undefined) return ticketSource(db, ref.ticketId);
  if (ref.interactionId !== undefined) return interactionSource(db, ref.interactionId);
  if (ref.consultationId !== undefined) return consultationSource(db, ref.consultationId);
  throw new ValidationError(
    'Raise an escalation from exactly one ticket, interaction or consultation.',
  );
}
