import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createUser } from '../support/app.js';
import { makeConsultation, makeCustomer } from '../support/fixtures.js';
import { emptyMedical, saveConsultationMedical } from '../../src/privacy/index.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function assignedConsultation() {
  const doctor = await createUser(db, 'doctor');
  const customer = await makeCustomer(db);
  const consultation = await makeConsultation(db, customer.id, { doctorId: doctor.id });
  return { actor: { id: doctor.id, role: doctor.role }, consultation };
}

describe('a doctor saves consultation notes', () => {
  it('when the notes are saved, then exactly one medical_update row names the consultation', async () => {
    const { actor, consultation } = await assignedConsultation();
    await saveConsultationMedical(db.prisma, actor, {
      consultation,
      input: { ...emptyMedical(), diagnosis: 'Mild sinusitis' },
      version: 0,
    });
    const rows = await db.prisma.auditEvent.findMany({
      where: { action: 'medical_update', recordId: consultation.id },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorId: actor.id,
      recordType: 'consultation',
      customerId: consultation.customerId,
    });
  });

  it('when the audit row cannot be written, then the change is not saved either', async () => {
    const { actor, consultation } = await assignedConsultation();
    await db.pool.query(`
      CREATE FUNCTION refuse_medical_update_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action = 'medical_update' THEN RAISE EXCEPTION 'audit store unavailable'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_medical_update_audit BEFORE INSERT ON audit_events
        FOR EACH ROW EXECUTE FUNCTION refuse_medical_update_audit();`);
    try {
      const save = saveConsultationMedical(db.prisma, actor, {
        consultation,
        input: { ...emptyMedical(), diagnosis: 'Otitis' },
        version: 0,
      });
      await expect(save).rejects.toThrow();
      expect(
        await db.prisma.consultationMedical.count({ where: { consultationId: consultation.id } }),
      ).toBe(0);
    } finally {
      await db.pool.query(`DROP TRIGGER refuse_medical_update_audit ON audit_events;
        DROP FUNCTION refuse_medical_update_audit();`);
    }
  });
});
