import type { ActorName, ActorRecords } from '../support/fixtures.js';

/**
 * Expected outcome of every route for every actor, when `:id` is a record that actor may act on
 * wherever its role allows (see buildWorld in tests/support/fixtures.ts):
 *  - ok        allowed through: 200, 303 (not to /login), 409 or 422; never 401/403/404/5xx
 *  - login     303 to /login
 *  - forbidden 403
 *  - notfound  404
 * Every route in Express's router table must have an entry here and every entry a route.
 */
export type Outcome = 'ok' | 'login' | 'forbidden' | 'notfound';
export type Expectation = Record<ActorName, Outcome>;

export interface MatrixEntry {
  expect: Expectation;
  /** Query string to send; `{ticketId}` etc. are replaced with the actor's fixture ids. */
  query?: string;
  /** Signing out legitimately answers 303 → /login: run on a throwaway session. */
  signsOut?: boolean;
  /** Changes the actor's own password: the test puts it back so later sign-ins still work. */
  changesPassword?: boolean;
}

const row = (
  anonymous: Outcome,
  agent: Outcome,
  supervisor: Outcome,
  admin: Outcome,
  doctor: Outcome,
): Expectation => ({ anonymous, agent, supervisor, admin, doctor });

const PUBLIC = row('ok', 'ok', 'ok', 'ok', 'ok');
const SIGNED_IN = row('login', 'ok', 'ok', 'ok', 'ok');
const STAFF = row('login', 'ok', 'ok', 'ok', 'forbidden');
const MANAGERS = row('login', 'forbidden', 'ok', 'ok', 'forbidden');
const ADMIN = row('login', 'forbidden', 'forbidden', 'ok', 'forbidden');
const DOCTOR = row('login', 'forbidden', 'forbidden', 'forbidden', 'ok');
/** Escalation actions: only the recipient (the admin's and doctor's fixtures are addressed to them). */
const RECIPIENT = row('login', 'forbidden', 'forbidden', 'ok', 'ok');

export const MATRIX: Record<string, MatrixEntry> = {
  'GET /healthz': { expect: PUBLIC },
  'GET /login': { expect: PUBLIC },
  'POST /login': { expect: PUBLIC },
  'POST /logout': { expect: SIGNED_IN, signsOut: true },
  'GET /': { expect: SIGNED_IN },
  // The second sign-in step: without a password step in progress, visitors go back to /login.
  'GET /login/two-factor': { expect: SIGNED_IN },
  'POST /login/two-factor': { expect: SIGNED_IN },

  'GET /consultations': { expect: SIGNED_IN },
  'GET /consultations/export.csv': { expect: STAFF },
  'GET /consultations/new': { expect: STAFF, query: 'customerId={customerId}' },
  'POST /consultations': { expect: STAFF },
  'GET /consultations/:id': { expect: SIGNED_IN },
  'GET /consultations/:id/row': { expect: SIGNED_IN },
  'POST /consultations/:id/status': { expect: SIGNED_IN },
  'POST /consultations/:id/start': { expect: SIGNED_IN },
  'POST /consultations/:id/assign': { expect: STAFF },
  'POST /consultations/:id/request-payment': { expect: STAFF },
  'POST /consultations/:id/mark-paid': { expect: STAFF },
  'POST /consultations/:id/medical': { expect: DOCTOR },

  'GET /interactions': { expect: STAFF },
  'GET /interactions/export.csv': { expect: STAFF, query: 'channel=chat' },
  'GET /interactions/new': { expect: STAFF, query: 'customerId={customerId}' },
  'POST /interactions': { expect: STAFF },
  'GET /interactions/:id': { expect: STAFF },
  'GET /interactions/:id/row': { expect: STAFF },
  'POST /interactions/:id/notes': { expect: STAFF },
  'POST /interactions/:id/follow-ups': { expect: STAFF },
  'POST /interactions/:id/pending': { expect: STAFF },
  'POST /interactions/:id/resume': { expect: STAFF },
  'POST /interactions/:id/end': { expect: STAFF },
  'POST /interactions/:id/verify': { expect: STAFF },
  'POST /interactions/:id/verify/override': { expect: MANAGERS },

  'GET /tickets': { expect: STAFF },
  'GET /tickets/export.csv': { expect: STAFF, query: 'priority=medium' },
  'GET /tickets/new': { expect: STAFF, query: 'customerId={customerId}' },
  'POST /tickets': { expect: STAFF },
  'POST /tickets/bulk': { expect: STAFF },
  'GET /tickets/bulk': { expect: STAFF },
  'GET /tickets/:id': { expect: STAFF },
  'GET /tickets/:id/row': { expect: STAFF },
  'GET /tickets/:id/edit': { expect: STAFF },
  'POST /tickets/:id/edit': { expect: STAFF },
  'POST /tickets/:id/claim': { expect: STAFF },
  'POST /tickets/:id/assign': { expect: MANAGERS },
  'POST /tickets/:id/status': { expect: STAFF },
  'POST /tickets/:id/merge': { expect: STAFF },
  'POST /tickets/:id/follow-ups': { expect: STAFF },
  'POST /tickets/:id/entries': { expect: STAFF },
  'GET /tickets/:id/entries/:entryId/edit': { expect: STAFF },
  'POST /tickets/:id/entries/:entryId/edit': { expect: STAFF },

  'GET /escalations': { expect: SIGNED_IN },
  'GET /escalations/export.csv': { expect: SIGNED_IN, query: 'status=pending' },
  'GET /escalations/new': { expect: STAFF, query: 'ticketId={ticketId}' },
  'POST /escalations': { expect: STAFF },
  'GET /escalations/:id': { expect: SIGNED_IN },
  'GET /escalations/:id/row': { expect: SIGNED_IN },
  'POST /escalations/:id/take': { expect: RECIPIENT },
  'POST /escalations/:id/resolve': { expect: RECIPIENT },
  'POST /escalations/:id/close': { expect: RECIPIENT },

  'GET /customers': { expect: SIGNED_IN },
  'GET /customers/export.csv': { expect: SIGNED_IN, query: 'sort=recent' },
  'GET /customers/:id': { expect: SIGNED_IN },
  'POST /customers/:id/reveal': { expect: DOCTOR },
  'GET /customers/:id/photo': { expect: SIGNED_IN },
  'GET /customers/:id/photo/edit': { expect: STAFF },
  'POST /customers/:id/photo': { expect: STAFF },
  'POST /customers/:id/photo/remove': { expect: STAFF },
  'GET /customers/:id/contact': { expect: STAFF },
  'POST /customers/:id/contact': { expect: STAFF },

  'GET /metrics': { expect: MANAGERS },
  'GET /metrics/export.csv': { expect: MANAGERS, query: 'table=summary' },

  'GET /audit': { expect: ADMIN },

  'GET /staff': { expect: ADMIN },
  'GET /staff/new': { expect: ADMIN },
  'POST /staff': { expect: ADMIN },
  'GET /staff/:id': { expect: ADMIN },
  'POST /staff/:id/role': { expect: ADMIN },
  'POST /staff/:id/disable': { expect: ADMIN },
  'POST /staff/:id/enable': { expect: ADMIN },
  'POST /staff/:id/reset': { expect: ADMIN },
  'POST /staff/:id/availability': { expect: ADMIN },

  'GET /sla-targets': { expect: ADMIN },
  'POST /sla-targets': { expect: ADMIN },

  'GET /account': { expect: SIGNED_IN },
  'POST /account/password': { expect: SIGNED_IN, changesPassword: true },
  'POST /account/sessions/end': { expect: SIGNED_IN },
  'POST /account/sessions/end-others': { expect: SIGNED_IN },
  'POST /account/availability': { expect: DOCTOR },
  'GET /account/two-factor': { expect: SIGNED_IN },
  'POST /account/two-factor': { expect: SIGNED_IN },
  'POST /account/two-factor/remove': { expect: SIGNED_IN },
  // Sign-in links work whoever is at the browser; setting the password signs that browser out.
  'GET /reset-password/:token': { expect: PUBLIC },
  'POST /reset-password/:token': { expect: PUBLIC, signsOut: true },
  'GET /audit/export.fhir.json': { expect: ADMIN },
  'GET /audit/export.fhir.ndjson': { expect: ADMIN },
  'GET /audit/reveals': { expect: ADMIN },
  'POST /audit/reveals/:id/justified': { expect: ADMIN },
  'POST /audit/reveals/:id/flag': { expect: ADMIN },
  'GET /audit/patients/:id/access': { expect: ADMIN },
  'GET /audit/patients/:id/access.csv': { expect: ADMIN },

  'GET /canned-replies': { expect: STAFF },
  'GET /canned-replies/new': { expect: MANAGERS },
  'POST /canned-replies': { expect: MANAGERS },
  'GET /canned-replies/:id/edit': { expect: MANAGERS },
  'POST /canned-replies/:id/edit': { expect: MANAGERS },
  'POST /canned-replies/:id/delete': { expect: MANAGERS },

  'GET /follow-ups': { expect: STAFF },
  'POST /follow-ups/:id/done': { expect: STAFF },
  'POST /follow-ups/:id/snooze': { expect: STAFF },
  'POST /follow-ups/:id/cancel': { expect: STAFF },

  'GET /events': { expect: SIGNED_IN },
  'GET /presence': { expect: SIGNED_IN, query: 'type=consultation&id={consultationId}' },
  'POST /presence': { expect: SIGNED_IN },
  'POST /presence/leave': { expect: SIGNED_IN },
  'GET /notifications': { expect: SIGNED_IN },
  'GET /notifications/badge': { expect: SIGNED_IN },
  'POST /notifications/read': { expect: SIGNED_IN },
  'POST /notifications/read-all': { expect: SIGNED_IN },
  'POST /account/time-zone': { expect: SIGNED_IN },
  'GET /go': { expect: SIGNED_IN, query: 'q=a' },
};

/** The entry's query string with the actor's fixture ids filled in ('' when none). */
export function fillQuery(query: string | undefined, records: ActorRecords): string {
  if (!query) return '';
  return (
    '?' +
    query.replace(/\{(\w+)\}/g, (_m, name: string) => String(records[name as keyof ActorRecords]))
  );
}
