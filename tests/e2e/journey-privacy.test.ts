import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestDatabase } from '../support/db.js';
import {
  closeDemoWorld,
  type DemoWorld,
  expectAccessible,
  openDemoWorld,
  signInAs,
  watchPage,
} from '../support/browser.js';

let db: TestDatabase;
let server: DemoWorld['server'];
let browser: Browser;

beforeAll(async () => ({ db, server, browser } = await openDemoWorld()));
afterAll(() => closeDemoWorld({ db, server, browser }));

const signIn = (page: Page, email: string) =>
  signInAs(page, server.url, email, { checkAccessibility: true });

/** Every link in the page's main content leads somewhere this user may go (no 403/404/500). */
async function expectLinksWork(page: Page) {
  const hrefs = await page
    .locator('main a[href^="/"]')
    .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  const broken: string[] = [];
  for (const href of new Set(hrefs)) {
    const response = await page.request.get(`${server.url}${href}`, { maxRedirects: 0 });
    if (response.status() >= 400) broken.push(`${href} → ${response.status()}`);
  }
  expect(broken, `links on ${page.url()}`).toEqual([]);
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${server.url}/login`);
}

/** Customers → search by the phone's last four digits → the customer's profile. */
async function openProfileByPhone(
  page: Page,
  digits: string,
  customer: { id: number; fullName: string },
) {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Customers' })
    .click();
  await page.waitForURL(`${server.url}/customers`);
  await page.getByLabel('Search').fill(digits);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/\/customers\?.*q=\d{4}/);
  await expectAccessible(page);
  const link = page.getByRole('table').getByRole('link', { name: customer.fullName, exact: true });
  await expect.poll(() => link.count()).toBe(1);
  await link.click();
  await page.waitForURL(`${server.url}/customers/${customer.id}`);
  await expectAccessible(page);
}

describe('privacy journey in Chromium', () => {
  it('when an agent finds a customer by phone digits, then medical details are withheld; the assigned doctor sees them in clear', async () => {
    const marker = `MARKER-ALLERGY-${randomUUID()}`;
    const markerMeds = `MARKER-MEDS-${randomUUID()}`;
    const [agent, doctor] = await Promise.all([
      db.prisma.user.findUniqueOrThrow({
        where: { email: 'agent@caredesk.test' },
        select: { id: true },
      }),
      db.prisma.user.findUniqueOrThrow({
        where: { email: 'doctor@caredesk.test' },
        select: { id: true },
      }),
    ]);

    // A customer with a consultation, whose name is unique among the customers the four digits match.
    const candidates = await db.prisma.customer.findMany({
      where: { consultations: { some: { status: { not: 'cancelled' } } } },
      select: { id: true, fullName: true, phoneDigits: true },
      orderBy: { id: 'asc' },
    });
    let chosen: { id: number; fullName: string; digits: string } | undefined;
    for (const c of candidates) {
      if (c.phoneDigits.length < 4) continue;
      const digits = c.phoneDigits.slice(-4);
      const sameName = await db.prisma.customer.count({
        where: { fullName: c.fullName, phoneDigits: { contains: digits } },
      });
      if (sameName === 1) {
        chosen = { id: c.id, fullName: c.fullName, digits };
        break;
      }
    }
    if (!chosen)
      throw new Error(
        'the demo seed has no customer with a consultation and a distinguishable phone',
      );
    const customer = chosen;

    await db.prisma.customerMedical.update({
      where: { customerId: customer.id },
      data: { allergies: marker, currentMedications: markerMeds },
    });
    // A cancelled consultation gives no standing access, so the doctor takes over a live one.
    const consultation = await db.prisma.consultation.findFirstOrThrow({
      where: { customerId: customer.id, status: { not: 'cancelled' } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { id: true, reference: true },
    });
    await db.prisma.consultation.update({
      where: { id: consultation.id },
      data: { doctorId: doctor.id },
    });
    const auditBefore = await db.prisma.auditEvent.count({
      where: { action: 'medical_view', customerId: customer.id },
    });
    expect(auditBefore).toBe(0);

    const page = await browser.newPage();
    const problems = watchPage(page);

    // --- the agent: timeline yes, medical values no -------------------------------------------------
    await signIn(page, 'agent@caredesk.test');
    await openProfileByPhone(page, customer.digits, customer);
    await expect.poll(() => page.locator('h1').textContent()).toContain(customer.fullName);
    const timeline = page.locator('section[aria-labelledby="h-timeline"]');
    await expect.poll(() => timeline.locator('li').count()).toBeGreaterThan(0);
    await expect
      .poll(() => timeline.getByRole('link', { name: consultation.reference }).count())
      .toBe(1);
    const medical = page.locator('section[aria-labelledby="h-medical"]');
    await expect
      .poll(() => medical.textContent())
      .toContain('Medical details are visible only to the patient’s doctors.');
    await expect
      .poll(() => medical.locator('dt:text-is("Allergies") + dd').textContent())
      .toBe('Recorded');
    await expect.poll(() => medical.locator('dd.withheld').count()).toBeGreaterThan(0);
    await expect
      .poll(() => medical.getByRole('button', { name: 'Reveal medical details' }).count())
      .toBe(0);
    const agentHtml = await page.content();
    expect(agentHtml).not.toContain(marker);
    expect(agentHtml).not.toContain(markerMeds);
    await expectLinksWork(page);
    // The consultation from the timeline does not leak them either.
    await timeline.getByRole('link', { name: consultation.reference }).click();
    await page.waitForURL(`${server.url}/consultations/${consultation.id}`);
    await expectAccessible(page);
    expect(await page.content()).not.toContain(marker);
    await signOut(page);

    // --- the doctor assigned to the consultation: values in clear -----------------------------------
    await signIn(page, 'doctor@caredesk.test');
    await openProfileByPhone(page, customer.digits, customer);
    const doctorMedical = page.locator('section[aria-labelledby="h-medical"]');
    await expect
      .poll(() => doctorMedical.textContent())
      .toContain('you have a consultation with this patient');
    await expect
      .poll(() => doctorMedical.locator('dt:text-is("Allergies") + dd').textContent())
      .toBe(marker);
    await expect
      .poll(() => doctorMedical.locator('dt:text-is("Current medications") + dd').textContent())
      .toBe(markerMeds);
    await expect.poll(() => page.getByText(marker, { exact: true }).isVisible()).toBe(true);
    await expectLinksWork(page);
    await signOut(page);

    // --- the audit trail: the doctor's view is recorded, the agent never saw values -----------------
    const views = await db.prisma.auditEvent.findMany({
      where: { action: 'medical_view', customerId: customer.id },
      select: { actorId: true, actorRole: true, recordType: true, recordId: true, reason: true },
    });
    expect(views.filter((v) => v.actorId === doctor.id && v.recordType === 'customer')).toEqual([
      {
        actorId: doctor.id,
        actorRole: 'doctor',
        recordType: 'customer',
        recordId: customer.id,
        reason: expect.stringMatching(/^assigned: consultation \d+$/),
      },
    ]);
    expect(views.filter((v) => v.actorId === agent.id)).toEqual([]);
    const agentMedicalEvents = await db.prisma.auditEvent.count({
      where: { actorId: agent.id, customerId: customer.id, action: { startsWith: 'medical_' } },
    });
    expect(agentMedicalEvents).toBe(0);
    // No audit row carries the values themselves.
    const leaked = await db.prisma.auditEvent.count({
      where: { OR: [{ reason: { contains: 'MARKER-' } }, { fieldGroup: { contains: 'MARKER-' } }] },
    });
    expect(leaked).toBe(0);
    expect(problems).toEqual([]);
  }, 180_000);
});
