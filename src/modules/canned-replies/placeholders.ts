/** Placeholders a saved reply may use, and how they are filled. Pure. */

export interface FillContext {
  customer?: { firstName: string; lastName: string; fullName: string } | null;
  ticket?: { number: string; subject: string } | null;
  agent?: { name: string } | null;
  consultation?: { reference: string } | null;
}

const PLACEHOLDERS: Record<string, (c: FillContext) => string | undefined> = {
  'customer.firstName': (c) => c.customer?.firstName,
  'customer.lastName': (c) => c.customer?.lastName,
  'customer.fullName': (c) => c.customer?.fullName,
  'ticket.number': (c) => c.ticket?.number,
  'ticket.subject': (c) => c.ticket?.subject,
  'agent.name': (c) => c.agent?.name,
  'agent.firstName': (c) => c.agent?.name.split(/\s+/)[0],
  'consultation.reference': (c) => c.consultation?.reference,
};

export const KNOWN_PLACEHOLDERS = Object.keys(PLACEHOLDERS);

const PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Placeholder names in a text that the library does not know, in order of appearance. */
export function unknownPlaceholders(text: string): string[] {
  const names = [...text.matchAll(PATTERN)].map((m) => m[1]);
  return [...new Set(names.filter((name) => !(name in PLACEHOLDERS)))];
}

/** The text with every placeholder replaced; one the record cannot fill (no consultation…) becomes "—". */
export function fillPlaceholders(text: string, context: FillContext): string {
  return text.replace(PATTERN, (whole, name: string) => {
    const fill = PLACEHOLDERS[name];
    return fill ? (fill(context) ?? '—') : whole;
  });
}

/** `;shortcut` at the start of the text or after whitespace. */
export const SHORTCUT_USE = /(^|\s);([a-z0-9][a-z0-9_-]{1,29})(?=$|[\s.,!?])/g;
export const SHORTCUT_FORMAT = /^[a-z0-9][a-z0-9_-]{1,29}$/;
