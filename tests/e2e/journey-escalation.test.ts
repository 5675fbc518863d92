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

describe('escalation journey in Chromium', () => {
  it('when an agent escalates a ticket to the demo doctor and the doctor takes and resolves it, then the agent sees the outcome', async () => {
    const tag = randomUUID().slice(0, 8);
    const subject = `Prescription unclear ${tag}`;
    const reason = `Customer cannot read the dosage on the prescription (${tag})`;
    const outcome = `Dosage clarified: one tablet twice daily (${tag})`;
    const customer = await db.prisma.customer.findFirstOrThrow({
      select: { id: true, fullName: true },
      orderBy: { id: 'asc' },
    });
    const doctor = await db.prisma.user.findUniqueOrThrow({
      where: { email: 'doctor@caredesk.test' },
      select: { id: true, name: true },
    });
    expect(doctor.name).toBe('Dr. Dayo Doctor');

    const page = await browser.newPage();
    const problems = watchPage(page);

    // --- the agent starts from the customer's profile -------------------------------------------
    await signIn(page, 'agent@caredesk.test');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Customers' })
      .click();
    await page.getByLabel('Search').fill(customer.fullName);
    await page.getByRole('button', { name: 'Search' }).click();
    await expectAccessible(page);
    await page.getByRole('link', { name: customer.fullName, exact: true }).first().click();
    await page.waitForURL(`${server.url}/customers/${customer.id}`);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Start interaction' }).click();
    await page.waitForURL(/\/interactions\/new\?customerId=\d+$/);
    await page.getByLabel('chat').check();
    await page.getByLabel(/Subject/).fill(subject);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Start interaction' }).click();
    await page.waitForURL(/\/interactions\/\d+$/);
    await expectAccessible(page);

    await page.getByLabel('Add a note').fill(`Customer sent a photo of the prescription (${tag})`);
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.waitForURL(/\/interactions\/\d+#notes$/);
    await expect
      .poll(() => page.locator('#notes').textContent())
      .toContain(`Customer sent a photo of the prescription (${tag})`);
    await expectAccessible(page);

    // --- turn it into a ticket ------------------------------------------------------------------
    await page.getByRole('link', { name: 'Turn into ticket' }).click();
    await page.waitForURL(/\/tickets\/new\?interactionId=\d+$/);
    await expect.poll(() => page.getByLabel('Subject').inputValue()).toBe(subject);
    await page.getByLabel('Category').selectOption('medical');
    await page
      .getByLabel('Description')
      .fill('The dosage on the prescription is illegible; needs the doctor.');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Create ticket' }).click();
    await page.waitForURL(/\/tickets\/\d+$/);
    const ticketUrl = page.url();
    const ticketId = Number(new URL(ticketUrl).pathname.split('/').pop());
    await expect.poll(() => page.locator('h1').textContent()).toContain(subject);
    await expectAccessible(page);

    // --- escalate it to the demo doctor ---------------------------------------------------------
    await page.getByRole('link', { name: 'Escalate' }).click();
    await page.waitForURL(/\/escalations\/new\?ticketId=\d+$/);
    await expectAccessible(page);
    await page.getByLabel('A doctor').check();
    await page
      .getByLabel('Recipient')
      .selectOption({ label: 'Dr. Dayo Doctor — General practice' });
    await page.getByLabel(/^Reason/).fill(reason);
    await page.getByRole('button', { name: 'Raise escalation' }).click();
    await page.waitForURL(/\/escalations\/\d+$/);
    const escalationId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.locator('.flash-success', { hasText: 'Escalation raised.' }).waitFor(); // waits for the page after the redirect
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain('Waiting for Dr. Dayo Doctor to act.');
    await expectAccessible(page);
    await page.goto(ticketUrl);
    await expect
      .poll(() => page.locator('.page-head .badge').first().textContent())
      .toBe('escalated');
    await signOut(page);

    // --- the doctor takes and resolves it -------------------------------------------------------
    await signIn(page, 'doctor@caredesk.test');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Escalations' })
      .click();
    await page.waitForURL(`${server.url}/escalations`);
    await expectAccessible(page);
    const row = page.locator('tbody tr', {
      has: page.locator(`a[href="/escalations/${escalationId}"]`),
    });
    await expect.poll(() => row.textContent()).toContain('pending');
    await row.getByRole('link', { name: `#${escalationId}` }).click();
    await page.waitForURL(`${server.url}/escalations/${escalationId}`);
    await expect.poll(() => page.locator('main').textContent()).toContain(reason);
    await expect.poll(() => page.locator('main').textContent()).toContain(subject);
    await expectAccessible(page);
    await expectLinksWork(page);
    await page.getByRole('button', { name: 'Take it' }).click();
    await page.waitForURL(`${server.url}/escalations/${escalationId}`);
    await page.locator('.flash-success', { hasText: 'You took this escalation.' }).waitFor(); // waits for the page after the redirect
    await expect.poll(() => page.locator('h1').textContent()).toContain('in progress');
    await expectAccessible(page);
    await page.getByLabel(/^Outcome \(3/).fill(outcome);
    await page
      .getByRole('group', { name: 'Then the ticket becomes' })
      .getByLabel('Resolved', { exact: true })
      .check();
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.waitForURL(`${server.url}/escalations/${escalationId}`);
    await page.locator('.flash-success', { hasText: 'Escalation resolved.' }).waitFor(); // waits for the page after the redirect
    await expect.poll(() => page.locator('h1').textContent()).toContain('resolved');
    await expectAccessible(page);
    await expectLinksWork(page);
    await page.getByRole('link', { name: 'All escalations' }).click();
    await page.waitForURL(`${server.url}/escalations`);
    await expectLinksWork(page);
    await signOut(page);

    // --- the agent sees the outcome -------------------------------------------------------------
    await signIn(page, 'agent@caredesk.test');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Escalations' })
      .click();
    await page.getByLabel('Status').selectOption('resolved');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\/escalations\?.*status=resolved/);
    await expectAccessible(page);
    const resolvedRow = page.locator('tbody tr', {
      has: page.locator(`a[href="/escalations/${escalationId}"]`),
    });
    await expect.poll(() => resolvedRow.textContent()).toContain('Dr. Dayo Doctor');
    await resolvedRow.getByRole('link', { name: /^TKT-/ }).click();
    await page.waitForURL(ticketUrl);
    await expectAccessible(page);
    await expect
      .poll(() => page.locator('.page-head .badge').first().textContent())
      .toBe('resolved');
    const escalationsCard = page.locator('section[aria-labelledby="esc-h"]');
    await expect.poll(() => escalationsCard.textContent()).toContain(outcome);
    await expect.poll(() => escalationsCard.textContent()).toContain('resolved by Dr. Dayo Doctor');
    await escalationsCard.getByRole('link', { name: `Escalation #${escalationId}` }).click();
    await page.waitForURL(`${server.url}/escalations/${escalationId}`);
    await expect.poll(() => page.locator('main').textContent()).toContain(outcome);
    await expect
      .poll(() => page.locator('main').textContent())
      .toMatch(/Resolved by\s*Dr\. Dayo Doctor/);
    await expectAccessible(page);

    // --- and the database agrees -----------------------------------------------------------------
    const escalation = await db.prisma.escalation.findUniqueOrThrow({
      where: { id: escalationId },
    });
    expect(escalation).toMatchObject({
      ticketId,
      targetType: 'doctor',
      targetUserId: doctor.id,
      status: 'resolved',
      outcome,
      resolvedById: doctor.id,
      reason,
    });
    expect(escalation.takenAt).toBeInstanceOf(Date);
    expect(escalation.resolvedAt).toBeInstanceOf(Date);
    const ticket = await db.prisma.supportTicket.findUniqueOrThrow({
      where: { id: ticketId },
      select: { status: true, customerId: true, interactionId: true },
    });
    expect(ticket.status).toBe('resolved');
    expect(ticket.customerId).toBe(customer.id);
    expect(ticket.interactionId).not.toBeNull();
    expect(problems).toEqual([]);
  }, 180_000);
});
