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

const signIn = (page: Page, email: string) => signInAs(page, server.url, email);

describe('interactions and tickets in Chromium', () => {
  it('when an agent starts an interaction, notes it and turns it into a ticket, then they can work the ticket', async () => {
    const customer = await db.prisma.customer.findFirstOrThrow({
      select: { id: true, fullName: true },
      orderBy: { id: 'asc' },
    });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await signIn(page, 'agent@caredesk.test');

    await page.goto(`${server.url}/interactions?scope=all`);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Start an interaction' }).click();
    await page.getByLabel(/Find the customer/).fill(customer.fullName);
    await page.getByRole('button', { name: 'Search' }).click();
    await expectAccessible(page);
    await page.locator(`a[href="/interactions/new?customerId=${customer.id}"]`).click();
    await page.getByLabel('call').check();
    await page.getByLabel(/Subject/).fill('Cannot hear the doctor');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Start interaction' }).click();
    await page.waitForURL(/\/interactions\/\d+$/);
    await expect.poll(() => page.locator('time[data-since]').first().textContent()).toMatch(/\d+s/);
    await expect.poll(() => page.locator('a[href^="https://wa.me/"]').count()).toBe(1);

    await page.getByRole('button', { name: 'Save note' }).click();
    await expect
      .poll(() => page.locator('#note-body-error').textContent())
      .toContain('Write the note');
    await expectAccessible(page);
    await page.getByLabel('Add a note').fill('Asked them to check microphone permissions');
    await page.getByRole('button', { name: 'Save note' }).click();
    await expect(page.getByText('Asked them to check microphone permissions')).toBeTruthy();

    await page.getByRole('link', { name: 'Turn into ticket' }).click();
    await expect.poll(() => page.getByLabel('Subject').inputValue()).toBe('Cannot hear the doctor');
    await page.getByLabel('Category').selectOption('technical');
    await page.getByLabel('Description').fill('Audio fails on Android app');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Create ticket' }).click();
    await page.waitForURL(/\/tickets\/\d+$/);
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/TKT-[A-Z0-9]{8}/);
    await page.getByRole('button', { name: 'Claim' }).click();
    await page.locator('.flash-success', { hasText: 'You now own' }).waitFor(); // waits for the page after the redirect
    await page.getByRole('button', { name: 'Set pending' }).click();
    await expect.poll(() => page.getByText('paused').first().textContent()).toContain('paused');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Edit' }).click();
    await expectAccessible(page);

    await page.goto(`${server.url}/tickets`);
    await expectAccessible(page);
    await page.goto(`${server.url}/tickets?view=unassigned&sla=breached`);
    await expectAccessible(page);
    // The one 422 is the empty note we submitted on purpose.
    expect(problems.filter((p) => !p.includes('status of 422'))).toEqual([]);
  }, 120_000);

  it('when a supervisor opens the tickets, then they see all of them and can assign', async () => {
    const page = await browser.newPage();
    const problems = watchPage(page);
    await signIn(page, 'supervisor@caredesk.test');
    await page.goto(`${server.url}/tickets`);
    await expect
      .poll(() => page.locator('nav.tabs a[aria-current="page"]').textContent())
      .toBe('All');
    const first = page.locator('tbody tr a[href^="/tickets/"]').first();
    await first.click();
    await expectAccessible(page);
    await page.getByLabel('Assign to').selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Assign' }).click();
    await expect
      .poll(() => page.locator('.flash').first().textContent())
      .toMatch(/assigned|unassigned|changed/i);
    expect(problems).toEqual([]);
  }, 90_000);
});
