/** One chronological thread of a ticket: entries written on it and the events that moved it. Pure. */

export interface TimelineEntry {
  id: number;
  ticketId: number;
  authorId: number;
  kind: 'note' | 'contact';
  channel: string | null;
  direction: string | null;
  body: string;
  createdAt: Date;
  editedAt: Date | null;
  version: number;
  author: { name: string };
  fromTicket: string | null;
}

export interface TimelineChange {
  id: number | bigint;
  field: string;
  fromValue: string | null;
  toValue: string | null;
  createdAt: Date;
  actor: { name: string } | null;
}

export interface TimelineEscalation {
  id: number;
  targetType: string;
  createdAt: Date;
  resolvedAt: Date | null;
  status: string;
  targetUser: { name: string };
  raisedBy: { name: string };
  resolvedBy: { name: string } | null;
}

export type TimelineItem =
  | { type: 'entry'; at: Date; entry: TimelineEntry; editable: boolean; htmlKey?: string }
  | { type: 'event'; at: Date; text: string; by: string; escalationId?: number };

const CHANNEL_LABELS: Record<string, string> = {
  call: 'Call',
  whatsapp: 'WhatsApp message',
  email: 'Email',
  sms: 'SMS',
};

/** "Outbound call", "Inbound WhatsApp message", "Internal note". */
export function entryLabel(entry: Pick<TimelineEntry, 'kind' | 'channel' | 'direction'>): string {
  if (entry.kind === 'note') return 'Internal note';
  const channel = CHANNEL_LABELS[entry.channel ?? ''] ?? 'Contact';
  return `${entry.direction === 'inbound' ? 'Inbound' : 'Outbound'} ${channel.toLowerCase()}`;
}

export function changeText(
  change: Pick<TimelineChange, 'field' | 'fromValue' | 'toValue'>,
): string {
  const { field, fromValue: from, toValue: to } = change;
  switch (field) {
    case 'status':
      return from ? `status: ${from} → ${to}` : `Opened as ${to}`;
    case 'assignee':
      return to
        ? `Assigned to ${to}${from ? ` (was ${from})` : ''}`
        : `Unassigned (was ${from ?? 'nobody'})`;
    case 'description':
      return 'Description edited';
    case 'reopened':
      return 'Reopened';
    case 'merged_into':
      return `Merged into ${to}`;
    case 'merged_from':
      return `${to} merged into this ticket`;
    default:
      return `${field}: ${from ?? '—'} → ${to ?? '—'}`;
  }
}

interface Sources {
  entries: readonly TimelineEntry[];
  changes: TimelineChange[];
  escalations: TimelineEscalation[];
  /** Whether the viewer may still correct an entry (their own, inside the edit window). */
  editable: (entry: TimelineEntry) => boolean;
  /** The viewer's time zone, which the entries' times are shown in. */
  timeZone: string;
}

/**
 * What an entry's HTML depends on, for the view engine's fragment cache: an entry is immutable once
 * its edit window has passed (an edit inside it bumps the version), but its author may be renamed
 * and its ticket merged, and each viewer reads its time in their own zone. An entry the viewer may
 * still edit carries an Edit link of its own and is not cached.
 */
function htmlKeyOf(entry: TimelineEntry, timeZone: string): string {
  return [entry.id, entry.version, timeZone, entry.author.name, entry.fromTicket ?? ''].join(
    '\u0000',
  );
}

/** Oldest first; at the same instant events come before entries, then by id. */
export function buildTimeline({
  entries,
  changes,
  escalations,
  editable,
  timeZone,
}: Sources): TimelineItem[] {
  const items: { item: TimelineItem; rank: number; seq: number }[] = [];
  changes.forEach((c, i) => {
    items.push({
      item: { type: 'event', at: c.createdAt, text: changeText(c), by: c.actor?.name ?? 'system' },
      rank: 0,
      seq: i,
    });
  });
  escalations.forEach((e, i) => {
    const raised = `Escalation #${e.id} raised to ${e.targetType} ${e.targetUser.name}`;
    items.push({
      item: {
        type: 'event',
        at: e.createdAt,
        text: raised,
        by: e.raisedBy.name,
        escalationId: e.id,
      },
      rank: 1,
      seq: i,
    });
    if (e.resolvedAt) {
      const done = `Escalation #${e.id} ${e.status}`;
      const by = e.resolvedBy?.name ?? e.targetUser.name;
      items.push({
        item: { type: 'event', at: e.resolvedAt, text: done, by, escalationId: e.id },
        rank: 1,
        seq: i,
      });
    }
  });
  entries.forEach((entry, i) => {
    const mayEdit = editable(entry);
    const htmlKey = mayEdit ? undefined : htmlKeyOf(entry, timeZone);
    items.push({
      item: { type: 'entry', at: entry.createdAt, entry, editable: mayEdit, htmlKey },
      rank: 2,
      seq: i,
    });
  });
  items.sort(
    (a, b) => a.item.at.getTime() - b.item.at.getTime() || a.rank - b.rank || a.seq - b.seq,
  );
  return items.map((x) => x.item);
}
