import type { Express } from 'express';
import fc from 'fast-check';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  buildWorld,
  concretePath,
  makeCustomer,
  sessionFor,
  type ActorName,
  type Session,
  type World,
} from '../support/fixtures.js';
import { routeTable, type RouteEntry } from '../support/routes.js';
import { MATRIX } from './access-matrix.js';

// Bad input through the HTTP layer: every form field and list filter gets random, oversized,
// unicode and injection-shaped values. Fixed seed, so a failure is reproducible.
const SEED = 20_260_301;
const RUNS = { post: 60, get: 60, ids: 20, logout: 5 };

let db: TestDatabase;
let app: Express;
let world: World;
let routes: RouteEntry[];
const sessions = new Map<ActorName, { session: Session; token: string }>();
let cases = 0;
const statuses: Record<number, number> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db, { LOGIN_MAX_FAILURES: '1000' });
  routes = routeTable(app);
  world = await buildWorld(db);
});
afterAll(async () => {
  console.log(`fuzz: ${cases} HTTP cases in total; statuses ${JSON.stringify(statuses)}`);
  await db.drop();
});

const keyOf = (route: RouteEntry) => `${route.method} ${route.path}`;

function allowedActor(key: string): ActorName {
  const expect = MATRIX[key]?.expect;
  if (!expect) throw new Error(`${key} is not in the access matrix`);
  return (
    (['agent', 'supervisor', 'admin', 'doctor', 'anonymous'] as const).find(
      (a) => expect[a] === 'ok',
    ) ?? 'anonymous'
  );
}

async function sessionOf(actor: ActorName) {
  let entry = sessions.get(actor);
  if (!entry) {
    const session = await sessionFor(app, actor, world);
    entry = { session, token: await session.token() };
    sessions.set(actor, entry);
  }
  return entry;
}

// --- value generators ---------------------------------------------------------------------------

const INJECTIONS = [
  "' OR 1=1 --",
  "'; DROP TABLE support_tickets; --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}',
  '${7*7}',
  '<%= 7*7 %>',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '\u0000',
  'a\u0000b',
  'javascript:alert(1)',
  '//evil.example',
  '\r\nSet-Cookie: x=1',
  '=HYPERLINK("http://evil")',
  '__proto__',
  'constructor',
];
const UNICODE = [
  '😀🩺👩🏽‍⚕️',
  '\u202Eevil\u202C',
  'مرحبا بالعالم',
  'שלום',
  'Zoë Ọlá',
  '\uFEFFbom',
  '\u200B',
  'ｆｕｌｌｗｉｄｔｈ',
  '𝕏𝕐ℤ',
];
const NUMBERS = [
  '0',
  '-1',
  '1',
  '2',
  '3',
  '1.5',
  '1e3',
  '1e309',
  'NaN',
  'Infinity',
  '-0',
  '2147483647',
  '2147483648',
  '99999999999',
  '0001',
  ' 1 ',
];

const marker = '<script>alert(1)</script>';
const long = (min: number, max: number) =>
  fc
    .tuple(fc.constantFrom('a', 'é', 'x ', '<', '😀'), fc.integer({ min, max }))
    .map(([c, n]) => c.repeat(Math.ceil(n / c.length)).slice(0, n));
const small: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE) },
  { weight: 2, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 20 }))
      .map(([a, b]) => a + b),
  },
);
/** Form values: also oversized (10k–100k characters; the body limit is 200 kB). */
const scalar = fc.oneof(
  { weight: 8, arbitrary: small },
  { weight: 1, arbitrary: long(10_000, 100_000) },
);
/** Query values: long, but short enough (≤ 1.5k characters) to get past Node's 16 kB header limit. */
const queryScalar = fc.oneof(
  { weight: 8, arbitrary: small },
  { weight: 1, arbitrary: long(200, 1_500) },
);

/** A form value: one string, or several (`a=1&a=2` → an array in the parsed body). */
type Value = string | string[];
const withArrays = (valid: fc.Arbitrary<string>): fc.Arbitrary<Value> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.oneof(valid, scalar) },
    { weight: 1, arbitrary: fc.array(fc.oneof(valid, scalar), { minLength: 0, maxLength: 3 }) },
  );

/** Plausible values per field name, so that some runs pass validation and really store things. */
function plausible(field: string): fc.Arbitrary<string> {
  const u = world.users;
  const ids = Object.values(world.records)
    .flatMap((r) => [r.customerId, r.ticketId, r.interactionId, r.consultationId, r.escalationId])
    .map(String);
  const enums: Record<string, string[]> = {
    channel: ['chat', 'call', 'email'],
    category: ['billing', 'appointment', 'technical', 'medical'],
    priority: ['low', 'medium', 'high', 'urgent'],
    status: ['open', 'pending', 'resolved', 'escalated', 'active'],
    to: ['pending', 'scheduled', 'completed', 'cancelled'],
    mode: ['voice', 'video', 'chat'],
    paymentModel: ['pay_first', 'pay_later'],
    targetType: ['admin', 'doctor'],
    ticketStatus: ['pending', 'resolved', ''],
    doctor: ['auto', String(u.doctor.id), ''],
    assigneeId: ['', 'none', String(u.agent.id), String(u.supervisor.id), String(u.doctor.id)],
    targetUserId: [String(u.admin.id), String(u.doctor.id), String(u.agent.id)],
    version: ['0', '1', '2', '3', '4'],
    amount: ['5000', '5000.50', '0', '0.001', '-5', '1234567890'],
    scheduledFor: ['2031-01-02T10:00', '2031-02-30T10:00', '1999-01-01T00:00', 'tomorrow'],
    email: [u.agent.email, 'nobody@example.test', ''],
    method: ['dob_phone', 'email', 'callback', 'override', ''],
    reached: ['on', ''],
    dateOfBirth: ['1988-03-04', '1988-02-30', 'yesterday', ''],
    phoneLast4: ['0142', '14', 'abcd', ''],
    numberCalled: ['0803 555 0142', '+1', ''],
    returnTo: ['/consultations/1', 'https://evil.example', '//evil.example', '/customers/1'],
    idempotencyKey: ['', 'not-a-uuid', '3f1c0a4e-8a3b-4d8e-9a51-6a2f4b1c7d90'],
  };
  if (enums[field]) return fc.constantFrom(...enums[field]);
  if (/Id$/.test(field)) return fc.constantFrom(...ids);
  // Free text: something that passes the length rules, with the injection shapes inside.
  return fc
    .tuple(
      fc.constantFrom(...INJECTIONS, ...UNICODE, 'plain words'),
      fc.string({ minLength: 10, maxLength: 60 }),
    )
    .map(([a, b]) => `${a} ${b}`);
}

const FIELDS: Record<string, string[]> = {
  'POST /login': ['email', 'password'],
  'POST /logout': [],
  'POST /interactions': ['customerId', 'channel', 'subject', 'idempotencyKey'],
  'POST /interactions/:id/notes': ['body'],
  'POST /interactions/:id/pending': ['version'],
  'POST /interactions/:id/resume': ['version'],
  'POST /interactions/:id/end': ['version'],
  'POST /interactions/:id/verify': [
    'method',
    'dateOfBirth',
    'phoneLast4',
    'email',
    'numberCalled',
    'reached',
  ],
  'POST /interactions/:id/verify/override': ['reason'],
  'POST /tickets': [
    'customerId',
    'interactionId',
    'consultationId',
    'category',
    'priority',
    'subject',
    'description',
    'idempotencyKey',
  ],
  'POST /tickets/:id/edit': ['category', 'priority', 'subject', 'description', 'version'],
  'POST /tickets/:id/claim': [],
  'POST /tickets/:id/assign': ['assigneeId', 'version'],
  'POST /tickets/:id/status': ['status', 'version'],
  'POST /escalations': [
    'ticketId',
    'interactionId',
    'consultationId',
    'targetType',
    'targetUserId',
    'reason',
    'idempotencyKey',
  ],
  'POST /escalations/:id/take': ['version'],
  'POST /escalations/:id/resolve': ['version', 'outcome', 'ticketStatus'],
  'POST /escalations/:id/close': ['version', 'outcome', 'ticketStatus'],
  'POST /consultations': [
    'customerId',
    'mode',
    'paymentModel',
    'amount',
    'scheduledFor',
    'doctor',
    'paymentConfirmation',
    'idempotencyKey',
    'interactionId',
  ],
  'POST /consultations/:id/status': [
    'version',
    'to',
    'cancelReason',
    'scheduledFor',
    'interactionId',
  ],
  'POST /consultations/:id/start': ['version'],
  'POST /consultations/:id/assign': ['version', 'doctor'],
  'POST /consultations/:id/request-payment': ['version'],
  'POST /consultations/:id/mark-paid': ['version'],
  'POST /consultations/:id/medical': [
    'version',
    'presentingComplaint',
    'medicalHistory',
    'diagnosis',
    'treatmentPlan',
    'prescribedMedication',
    'followUpInstructions',
  ],
  'POST /customers/:id/reveal': ['reason', 'returnTo'],
  'POST /audit/reveals/:id/justified': [],
  'POST /audit/reveals/:id/flag': ['comment'],
  'POST /customers/:id/contact': ['phone', 'email', 'address', 'version', 'interactionId'],
  'POST /customers/:id/photo': ['photo'],
  'POST /customers/:id/photo/remove': [],
  'POST /login/two-factor': ['code'],
  'POST /interactions/:id/follow-ups': ['dueAt', 'reason'],
  'POST /tickets/:id/follow-ups': ['dueAt', 'reason'],
  'POST /tickets/bulk': [
    'ids',
    'pageIds',
    'all',
    'action',
    'assigneeId',
    'priority',
    'status',
    'back',
  ],
  'POST /tickets/:id/merge': ['intoId', 'version'],
  'POST /tickets/:id/entries': ['kind', 'channel', 'direction', 'body'],
  'POST /tickets/:id/entries/:entryId/edit': ['body', 'version'],
  'POST /canned-replies': ['title', 'category', 'shortcut', 'body'],
  'POST /canned-replies/:id/edit': ['title', 'category', 'shortcut', 'body', 'version'],
  'POST /canned-replies/:id/delete': [],
  'POST /follow-ups/:id/done': ['version'],
  'POST /follow-ups/:id/snooze': ['version', 'hours'],
  'POST /follow-ups/:id/cancel': ['version'],
  'POST /staff': ['name', 'email', 'role', 'specialization'],
  'POST /staff/:id/role': ['role', 'version', 'specialization'],
  'POST /staff/:id/disable': [],
  'POST /staff/:id/enable': [],
  'POST /staff/:id/reset': [],
  'POST /staff/:id/availability': ['available'],
  'POST /sla-targets': [
    'urgent.firstResponseMins',
    'urgent.resolutionMins',
    'urgent.version',
    'low.firstResponseMins',
    'low.version',
  ],
  'POST /account/password': ['current', 'password', 'confirm'],
  'POST /account/sessions/end': ['session'],
  'POST /account/sessions/end-others': [],
  'POST /account/availability': ['available'],
  'POST /account/two-factor': ['secret', 'code'],
  'POST /account/two-factor/remove': ['password'],
  'POST /reset-password/:token': ['password', 'confirm'],
  'POST /notifications/read': ['id', 'open'],
  'POST /notifications/read-all': [],
  'POST /presence': ['recordType', 'recordId', 'tabId', 'editing'],
  'POST /presence/leave': ['tabId'],
  'POST /account/time-zone': ['timeZone'],
};

const QUERY: Record<string, string[]> = {
  'GET /': ['page'],
  'GET /healthz': ['x'],
  'GET /login': ['returnTo'],
  'GET /interactions': ['status', 'channel', 'scope', 'customer', 'from', 'to', 'page'],
  'GET /interactions/new': ['customerId', 'q'],
  'GET /tickets': [
    'view',
    'status',
    'category',
    'priority',
    'assignee',
    'customer',
    'from',
    'to',
    'q',
    'sla',
    'page',
  ],
  'GET /tickets/export.csv': [
    'view',
    'status',
    'category',
    'priority',
    'assignee',
    'customer',
    'from',
    'to',
    'q',
    'sla',
  ],
  'GET /interactions/export.csv': ['status', 'channel', 'scope', 'customer', 'from', 'to'],
  'GET /tickets/new': ['interactionId', 'consultationId', 'customerId', 'q'],
  'GET /escalations': ['status', 'target', 'stale', 'scope', 'page'],
  'GET /escalations/export.csv': ['status', 'target', 'stale', 'scope'],
  'GET /customers/export.csv': ['q', 'activity', 'sort'],
  'GET /escalations/new': ['ticketId', 'interactionId', 'consultationId', 'targetType'],
  'GET /consultations': [
    'status',
    'paymentStatus',
    'paymentModel',
    'mode',
    'doctorId',
    'from',
    'to',
    'mine',
    'q',
    'f',
    'after',
    'page',
  ],
  'GET /consultations/export.csv': [
    'status',
    'paymentStatus',
    'mode',
    'doctorId',
    'from',
    'to',
    'mine',
    'q',
    'after',
  ],
  'GET /consultations/new': ['customerId'],
  'GET /customers': ['q', 'activity', 'sort', 'page'],
  'GET /metrics': ['from', 'to'],
  'GET /metrics/export.csv': ['table', 'from', 'to'],
  'GET /go': ['q'],
  'GET /account': ['x'],
  'GET /audit': ['userId', 'customerId', 'action', 'from', 'to', 'before'],
  'GET /audit/export.fhir.json': ['patient', 'from', 'to'],
  'GET /audit/export.fhir.ndjson': ['patient', 'from', 'to'],
  'GET /audit/reveals': [],
  'GET /login/two-factor': [],
  'GET /tickets/bulk': [],
  'GET /canned-replies': [],
  'GET /canned-replies/new': [],
  'GET /follow-ups': [],
  'GET /staff': ['q', 'role', 'status', 'page'],
  'GET /staff/new': [],
  'GET /sla-targets': [],
  'GET /account/two-factor': [],
  'GET /reset-password/:token': [],
  'GET /events': ['lastEventId'],
  'GET /presence': ['type', 'id', 'version'],
  'GET /notifications': [],
  'GET /notifications/badge': [],
};

const QUERY_VALUES: Record<string, string[]> = {
  status: ['open', 'pending', 'resolved', 'active', 'in_progress', 'closed', 'scheduled'],
  view: ['mine', 'unassigned', 'all'],
  scope: ['mine', 'all'],
  channel: ['chat', 'call', 'email'],
  category: ['billing', 'medical'],
  priority: ['low', 'urgent'],
  sla: ['breached', 'due_soon'],
  assignee: ['none', '1', '2'],
  target: ['admin', 'doctor'],
  stale: ['1', '0'],
  mine: ['1', '0'],
  activity: ['active', 'new', 'inactive'],
  sort: ['joined', 'recent'],
  from: ['2024-01-01', '2024-02-30', '1899-12-31', '2999-12-31', '0000-00-00', '2024-1-1'],
  to: ['2024-12-31', '1970-01-01', '9999-99-99'],
  page: ['1', '2', '0', '-1', '10001', '99999999999999999999'],
  table: ['summary', 'categories', 'agents', 'days', 'nope'],
  after: [
    '2024-01-01T00:00:00.000Z_5',
    '9999-99-99T00:00:00Z_1',
    '2024-01-01T00:00:00Z_99999999999',
  ],
  before: ['1', '999999999999999999', '-1'],
  type: ['ticket', 'consultation', 'customer'],
  lastEventId: ['0', '1', '99999999999999999999'],
  action: ['sign_in', 'medical_view', 'DROP'],
  paymentStatus: ['unpaid', 'paid'],
  paymentModel: ['pay_first'],
  mode: ['video'],
  f: ['1', 'all'],
};

/** Form or query string: known fields (some left out), random extra fields, repeated keys and `a[]=`. */
function encoded(
  fields: string[],
  value: (field: string) => fc.Arbitrary<Value>,
  extraValue: fc.Arbitrary<string> = scalar,
): fc.Arbitrary<string> {
  const known = fc.record(Object.fromEntries(fields.map((f) => [f, value(f)])), {
    requiredKeys: [],
  });
  const extraKey = fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom(
        'a[]',
        'a[b]',
        '__proto__',
        'constructor[prototype][x]',
        'toString',
        'hasOwnProperty',
      ),
    )
    .filter((k) => k !== '_csrf');
  const extras = fc.array(
    fc.tuple(extraKey, fc.oneof(extraValue, fc.array(extraValue, { maxLength: 3 }))),
    { maxLength: 3 },
  );
  const raw = fc.constantFrom('', '%', '%zz', '&&&', '=x', 'a=%E0%A4%A', '%00=%00');
  return fc.tuple(known, extras, raw).map(([k, e, r]) => {
    const params = new URLSearchParams();
    const add = (key: string, v: Value) =>
      Array.isArray(v) ? v.forEach((item) => params.append(key, item)) : params.append(key, v);
    for (const [key, v] of Object.entries(k)) add(key, v as Value);
    for (const [key, v] of e) add(key, v);
    const text = params.toString();
    return r ? (text ? `${text}&${r}` : r) : text;
  });
}

// --- checks -------------------------------------------------------------------------------------

function check(label: string, res: Response): void {
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  expect(res.status, `${label}: ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('html')) {
    expect(res.text.includes(marker), `${label}: raw <script> echoed`).toBe(false);
    expect(/<img src=x onerror/i.test(res.text), `${label}: raw <img onerror> echoed`).toBe(false);
  }
}

// Each property visits every route in turn, so its time grows with the app.
const TOUR_TIMEOUT_MS = 600_000;

const fcOptions = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

/**
 * Every POST route with its fuzzed forms, run once per file whichever test needs it first: the
 * "nothing forbidden stored" check looks at what this tour stored.
 */
let postTour: Promise<void> | undefined;
function runPostTour(): Promise<void> {
  postTour ??= (async () => {
    for (const route of routes.filter((r) => r.method === 'POST')) {
      const key = keyOf(route);
      const actor = key === 'POST /login' ? 'anonymous' : allowedActor(key);
      const body = encoded(FIELDS[key] ?? [], (f) => withArrays(plausible(f)));
      if (key === 'POST /logout') {
        await fc.assert(
          fc.asyncProperty(body, async (form) => {
            const session = await sessionFor(app, 'agent', world);
            const token = await session.token();
            const res = await session.agent
              .post('/logout')
              .type('form')
              .send(`${form ? form + '&' : ''}_csrf=${encodeURIComponent(token)}`);
            cases += 1;
            check(`${key} ${form.slice(0, 200)}`, res);
          }),
          fcOptions(RUNS.logout),
        );
        continue;
      }
      const url = concretePath(route.path, world.records[actor]);
      await fc.assert(
        fc.asyncProperty(body, async (form) => {
          const { session, token } = await sessionOf(actor);
          const res = await session.agent
            .post(url)
            .type('form')
            .send(`${form ? form + '&' : ''}_csrf=${encodeURIComponent(token)}`);
          cases += 1;
          check(`${key} as ${actor} <- ${form.slice(0, 300)}`, res);
        }),
        fcOptions(RUNS.post),
      );
    }
  })();
  return postTour;
}

describe('POST routes survive hostile forms', () => {
  it('when the router table is read, then the fields of every POST route are known', () => {
    const posts = routes.filter((r) => r.method === 'POST').map(keyOf);
    expect(posts.filter((k) => !(k in FIELDS))).toEqual([]);
  });

  it(
    'when any body is posted to any POST route, then there is never a 5xx nor echoed markup',
    () => runPostTour(),
    TOUR_TIMEOUT_MS,
  );

  it('when the sign-in email holds a NUL byte, then it is refused, not a 5xx', async () => {
    const session = await sessionFor(app, 'anonymous', world);
    const token = await session.token();
    const res = await session.agent
      .post('/login')
      .type('form')
      .send({ _csrf: token, email: 'a\u0000b@example.test', password: 'whatever' });
    cases += 1;
    expect(res.status).toBe(401);
  });

  it('when a JSON body has the wrong shape, then there is never a 5xx', async () => {
    const { session, token } = await sessionOf('supervisor');
    const json = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({
        subject: fc.jsonValue({ maxDepth: 2 }),
        category: fc.jsonValue({ maxDepth: 1 }),
        customerId: fc.jsonValue({ maxDepth: 1 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/tickets',
          '/interactions',
          '/escalations',
          '/consultations',
          `/tickets/${world.records.supervisor.ticketId}/edit`,
        ),
        json,
        async (url, value) => {
          const res = await session.agent
            .post(url)
            .set('X-CSRF-Token', token)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(value));
          cases += 1;
          check(`JSON ${url} <- ${JSON.stringify(value).slice(0, 200)}`, res);
        },
      ),
      fcOptions(RUNS.post),
    );
  });
});

describe('GET routes survive hostile query strings and ids', () => {
  it(
    'when any query is sent to any list or form page, then there is never a 5xx nor echoed markup',
    async () => {
      const gets = routes.filter((r) => r.method === 'GET' && !r.path.includes(':id'));
      expect(gets.map(keyOf).filter((k) => !(k in QUERY))).toEqual([]);
      for (const route of gets) {
        const key = keyOf(route);
        const actor = allowedActor(key);
        const valid = (f: string) =>
          QUERY_VALUES[f]
            ? fc.constantFrom(...QUERY_VALUES[f])
            : f.endsWith('Id')
              ? plausible(f)
              : queryScalar;
        const query = encoded(
          QUERY[key] ?? [],
          (f) =>
            fc.oneof(
              { weight: 6, arbitrary: fc.oneof(valid(f), queryScalar) },
              { weight: 1, arbitrary: fc.array(fc.oneof(valid(f), queryScalar), { maxLength: 3 }) },
            ),
          queryScalar,
        );
        await fc.assert(
          fc.asyncProperty(query, async (qs) => {
            const { session } = await sessionOf(actor);
            const res = await session.agent.get(qs ? `${route.path}?${qs}` : route.path);
            cases += 1;
            check(`${key} as ${actor} ? ${qs.slice(0, 300)}`, res);
          }),
          fcOptions(RUNS.get),
        );
      }
    },
    TOUR_TIMEOUT_MS,
  );

  it(
    'when any /:id route gets an implausible id, then it answers 404 (never 5xx)',
    async () => {
      const badId = fc.oneof(
        fc.stringMatching(/^[a-z_-]{1,12}$/),
        fc.constantFrom(
          '-1',
          '0',
          '99999999999',
          '2147483648',
          '1e309',
          'NaN',
          'Infinity',
          '%00',
          '%F0%9F%98%80',
          '..%2F..%2Fetc%2Fpasswd',
          '%27%20OR%201%3D1',
          '1.5',
          '%3Cscript%3E',
        ),
      );
      for (const route of routes.filter((r) => r.path.includes(':id'))) {
        const key = keyOf(route);
        const actor = allowedActor(key);
        await fc.assert(
          fc.asyncProperty(badId, async (id) => {
            const { session, token } = await sessionOf(actor);
            const url = route.path.replace(':id', id);
            const res =
              route.method === 'GET'
                ? await session.agent.get(url)
                : await session.agent.post(url).type('form').send({ _csrf: token, version: '1' });
            cases += 1;
            check(`${key} as ${actor} id=${id}`, res);
            expect(res.status, `${key} id=${id}`).toBe(404);
          }),
          fcOptions(RUNS.ids),
        );
      }
    },
    TOUR_TIMEOUT_MS,
  );
});

describe('what was stored, and how input is shown back', () => {
  it(
    'when hostile forms have been posted, then nothing the schema forbids is stored',
    async () => {
      await runPostTour();
      const violations = await db.pool.query<{ what: string; n: string }>(`
      SELECT 'ticket number' AS what, count(*)::text AS n FROM support_tickets WHERE number !~ '^TKT-[A-Z0-9]{8}$'
      UNION ALL SELECT 'ticket subject', count(*)::text FROM support_tickets WHERE char_length(subject) NOT BETWEEN 1 AND 200 OR btrim(subject) = ''
      UNION ALL SELECT 'ticket description', count(*)::text FROM support_tickets WHERE char_length(description) NOT BETWEEN 1 AND 10000 OR btrim(description) = ''
      UNION ALL SELECT 'ticket enums', count(*)::text FROM support_tickets WHERE category::text NOT IN ('billing','appointment','technical','medical') OR priority::text NOT IN ('low','medium','high','urgent')
      UNION ALL SELECT 'interaction subject', count(*)::text FROM interactions WHERE char_length(subject) > 200
      UNION ALL SELECT 'note body', count(*)::text FROM interaction_notes WHERE char_length(body) NOT BETWEEN 1 AND 5000 OR btrim(body) = ''
      UNION ALL SELECT 'escalation reason', count(*)::text FROM escalations WHERE char_length(reason) NOT BETWEEN 10 AND 1000
      UNION ALL SELECT 'escalation outcome', count(*)::text FROM escalations WHERE char_length(outcome) NOT BETWEEN 3 AND 2000
      UNION ALL SELECT 'escalation target', count(*)::text FROM escalations e JOIN users u ON u.id = e.target_user_id WHERE u.role::text <> e.target_type::text
      UNION ALL SELECT 'consultation reference', count(*)::text FROM consultations WHERE reference !~ '^CNS-[A-Z0-9]{8}$'
      UNION ALL SELECT 'consultation amount', count(*)::text FROM consultations WHERE amount_minor <= 0
      UNION ALL SELECT 'cancel reason', count(*)::text FROM consultations WHERE char_length(cancel_reason) > 500
      UNION ALL SELECT 'payment reference', count(*)::text FROM payments WHERE reference !~ '^PAY-[A-Z0-9]{8}$'
      UNION ALL SELECT 'medical note', count(*)::text FROM consultation_medical WHERE greatest(char_length(presenting_complaint), char_length(medical_history), char_length(diagnosis),
        char_length(treatment_plan), char_length(prescribed_medication), char_length(follow_up_instructions)) > 5000
      UNION ALL SELECT 'reveal reason', count(*)::text FROM medical_reveals WHERE char_length(reason) NOT BETWEEN 10 AND 500
      UNION ALL SELECT 'idempotency key', count(*)::text FROM (SELECT idempotency_key FROM support_tickets UNION ALL SELECT idempotency_key FROM interactions
        UNION ALL SELECT idempotency_key FROM escalations UNION ALL SELECT idempotency_key FROM consultations) k WHERE char_length(idempotency_key) > 100
    `);
      expect(violations.rows.filter((r) => r.n !== '0')).toEqual([]);
      // The run did store things (so the checks above looked at fuzzed rows, not only fixtures).
      const stored = await db.pool.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM support_tickets) + (SELECT count(*) FROM interaction_notes) + (SELECT count(*) FROM escalations) AS n`,
      );
      expect(Number(stored.rows[0].n)).toBeGreaterThan(15);
    },
    TOUR_TIMEOUT_MS,
  );

  it('when a form with a <script> is rejected, then every re-rendered form shows it back escaped', async () => {
    const r = world.records;
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;';
    const version = async (table: 'support_tickets' | 'escalations', id: number) =>
      String(
        (
          await db.pool.query<{ version: number }>(`SELECT version FROM ${table} WHERE id = $1`, [
            id,
          ])
        ).rows[0].version,
      );
    const forms: [ActorName, string, () => Promise<Record<string, string>>][] = [
      [
        'supervisor',
        '/tickets',
        async () => ({
          customerId: String(r.supervisor.customerId),
          subject: marker,
          description: marker,
          category: 'nope',
        }),
      ],
      [
        'supervisor',
        `/tickets/${r.supervisor.ticketId}/edit`,
        async () => ({
          subject: marker,
          description: '',
          category: 'billing',
          version: await version('support_tickets', r.supervisor.ticketId),
        }),
      ],
      [
        'supervisor',
        '/interactions',
        async () => ({
          customerId: String(r.supervisor.customerId),
          subject: marker,
          channel: 'pigeon',
        }),
      ],
      [
        'supervisor',
        `/interactions/${r.supervisor.interactionId}/notes`,
        async () => ({ body: marker + 'x'.repeat(5001) }),
      ],
      [
        'supervisor',
        '/escalations',
        async () => ({
          ticketId: String(r.supervisor.ticketId),
          targetType: 'admin',
          targetUserId: '',
          reason: marker,
        }),
      ],
      [
        'supervisor',
        '/consultations',
        async () => ({
          customerId: String(r.supervisor.customerId),
          mode: 'fax',
          paymentModel: 'pay_first',
          amount: marker,
          paymentConfirmation: marker,
        }),
      ],
      [
        'admin',
        `/escalations/${r.admin.escalationId}/close`,
        async () => ({
          version: await version('escalations', r.admin.escalationId),
          outcome: marker + 'x'.repeat(2001),
        }),
      ],
      // A patient this doctor has no access to yet (the fuzz run above may have revealed the fixture's).
      [
        'doctor',
        `/customers/${(await makeCustomer(db, { label: 'Fresh' })).id}/reveal`,
        async () => ({ reason: '<script>' }),
      ],
    ];
    for (const [actor, url, body] of forms) {
      const { session, token } = await sessionOf(actor);
      const res = await session.agent
        .post(url)
        .type('form')
        .send({ ...(await body()), _csrf: token });
      cases += 1;
      expect(res.status, `${url}: ${res.text.slice(0, 200)}`).toBe(422);
      expect(res.text, url).not.toContain(marker);
      expect(res.text, url).not.toMatch(/<script>(?!\s*<\/script>)[^<]*alert/);
      expect(res.text, url).toContain(url.endsWith('/reveal') ? '&lt;script&gt;' : escaped);
    }
  });
});
