import type { Db } from '../../db/client.js';
import type { Role } from '../../generated/prisma/enums.js';
import { canView as canViewInteractions } from '../interactions/policy.js';
import { visibleWhere as visibleEscalations } from '../escalations/policy.js';
import {
  isNotificationKind,
  NOTIFICATION_KINDS,
  RECORD_PATHS,
  type NotificationRecordType,
} from './kinds.js';

interface Viewer {
  id: number;
  role: Role;
}

interface Ref {
  recordType: string;
  recordId: number;
}

const TICKET_LABEL = { id: true, number: true, subject: true } as const;
const INTERACTION_LABEL = { id: true, channel: true } as const;
const key = (type: string, id: number) => `${type}:${id}`;
const idsOf = (refs: Ref[], type: NotificationRecordType) => [
  ...new Set(refs.filter((r) => r.recordType === type).map((r) => r.recordId)),
];

/**
 * Labels of the records the viewer may open, keyed "type:id", under the same rules as each
 * record's own page (tickets and interactions: staff; escalations: the module's visibility rule;
 * consultations and customers: anyone signed in). Records the viewer may not open are absent.
 */
export async function openableLabels(
  db: Db,
  viewer: Viewer,
  refs: Ref[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const staff = canViewInteractions(viewer);
  const ids = (type: NotificationRecordType) => idsOf(refs, type);
  const [tickets, interactions, escalations, consultations, customers] = await Promise.all([
    staff
      ? db.supportTicket.findMany({ where: { id: { in: ids('ticket') } }, select: TICKET_LABEL })
      : [],
    staff
      ? db.interaction.findMany({
          where: { id: { in: ids('interaction') } },
          select: INTERACTION_LABEL,
        })
      : [],
    db.escalation.findMany({
      where: { AND: [{ id: { in: ids('escalation') } }, visibleEscalations(viewer)] },
      select: { id: true },
    }),
    db.consultation.findMany({
      where: { id: { in: ids('consultation') } },
      select: { id: true, reference: true },
    }),
    db.customer.findMany({
      where: { id: { in: ids('customer') } },
      select: { id: true, fullName: true },
    }),
  ]);
  for (const t of tickets) out.set(key('ticket', t.id), `ticket ${t.number} “${t.subject}”`);
  for (const i of interactions)
    out.set(key('interaction', i.id), `${i.channel} interaction #${i.id}`);
  for (const e of escalations) out.set(key('escalation', e.id), `escalation #${e.id}`);
  for (const c of consultations) out.set(key('consultation', c.id), `consultation ${c.reference}`);
  for (const c of customers) out.set(key('customer', c.id), c.fullName);
  return out;
}

export interface PresentedNotification {
  id: number;
  text: string;
  href: string | null;
  createdAt: Date;
  unread: boolean;
}

interface StoredNotification extends Ref {
  id: number;
  kind: string;
  createdAt: Date;
  readAt: Date | null;
  actor: { name: string } | null;
}

/** Sentences for stored notices; a record the viewer can no longer open is named without a link. */
export async function presentNotifications(
  db: Db,
  viewer: Viewer,
  rows: StoredNotification[],
): Promise<PresentedNotification[]> {
  const labels = await openableLabels(db, viewer, rows);
  return rows.map((n) => {
    const label = labels.get(key(n.recordType, n.recordId));
    const template: string = isNotificationKind(n.kind)
      ? NOTIFICATION_KINDS[n.kind].text
      : '{record} changed';
    const text = template
      .replace('{actor}', n.actor?.name ?? 'Someone')
      .replace('{record}', label ?? 'a record you can no longer open');
    const base = RECORD_PATHS[n.recordType as NotificationRecordType];
    return {
      id: n.id,
      text: text.charAt(0).toUpperCase() + text.slice(1),
      href: label && base ? `${base}/${n.recordId}` : null,
      createdAt: n.createdAt,
      unread: !n.readAt,
    };
  });
}
