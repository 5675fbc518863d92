import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The medical tables are read and written only by src/privacy (and the seeders that fill them).
const ROOT = path.resolve('src');
const ALLOWED = [
  path.join(ROOT, 'privacy') + path.sep,
  path.join(ROOT, 'db', 'seed') + path.sep,
  path.join(ROOT, 'generated') + path.sep,
];
const MEDICAL =
  /\b(customerMedical|consultationMedical|medicalReveal|customer_medical|consultation_medical|medical_reveals)\b/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('privacy boundary', () => {
  it('when the modules are read, then none outside src/privacy touches the medical tables', () => {
    const offenders = files(ROOT).filter(
      (file) =>
        !ALLOWED.some((prefix) => file.startsWith(prefix)) &&
        MEDICAL.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('when the views are read, then none outside the medical partial prints a medical value', () => {
    const views = path.resolve('views');
    const offenders = readdirSync(views, { recursive: true })
      .map((name) => path.join(views, String(name)))
      .filter(
        (file) =>
          file.endsWith('.ejs') &&
          /\b(bloodGroup|genotype|allergies|chronicConditions|currentMedications|diagnosis|treatmentPlan|prescribedMedication|presentingComplaint|followUpInstructions)\b/.test(
            readFileSync(file, 'utf8'),
          ),
      );
    expect(offenders).toEqual([]);
  });
});
