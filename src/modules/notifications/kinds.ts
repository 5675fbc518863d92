/**
 * The vocabulary of notifications. A notification stores only its kind, its record and who caused
 * it; the sentence below is filled in when the list is shown, with the record's label as the
 * viewer may see it. `{actor}` and `{record}` are the only placeholders.
 */
export const NOTIFICATION_KINDS = {
  escalation_addressed: { recordType: 'escalation', text: '{actor} escalated {record} to you' },
  escalation_answered: { recordType: 'escalation', text: '{actor} answered your {record}' },
  ticket_assigned: { recordType: 'ticket', text: '{actor} assigned {record} to you' },
  ticket_due_soon: { recordType: 'ticket', text: '{record} is due within the hour' },
  ticket_breached: { recordType: 'ticket', text: '{record} has breached its target' },
  ticket_mention: { recordType: 'ticket', text: '{actor} mentioned you on {record}' },
  interaction_mention: { recordType: 'interaction', text: '{actor} mentioned you on {record}' },
  verification_locked: {
    recordType: 'interaction',
    text: 'Caller verification on {record} is locked after 3 failed attempts ({actor})',
  },
  medical_reveal: {
    recordType: 'customer',
    text: '{actor} revealed medical details of {record}, a patient of yours',
  },
} as const satisfies Record<string, { recordType: NotificationRecordType; text: string }>;

export type NotificationKind = keyof typeof NOTIFICATION_KINDS;

/** Records a notification may point at; each maps to the page that shows it. */
export type NotificationRecordType =
  'ticket' | 'interaction' | 'escalation' | 'consultation' | 'customer';

export const RECORD_PATHS: Record<NotificationRecordType, string> = {
  ticket: '/tickets',
  interaction: '/interactions',
  escalation: '/escalations',
  consultation: '/consultations',
  customer: '/customers',
};

export function isNotificationKind(kind: string): kind is NotificationKind {
  return Object.hasOwn(NOTIFICATION_KINDS, kind);
}
