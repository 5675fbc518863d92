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

describe('consultations, customers and the audit trail in Chromium', () => {
  it('when an agent books a pay-first consultation from a customer profile, then it can be scheduled and cancelled', async () => {
    const page = await browser.newPage();
    const problems = watchPage(page);
    await signIn(page, 'agent@caredesk.test');
    await page.goto(`${server.url}/customers`);
    await expectAccessible(page);
    await page.locator('table a').first().click();
    await expect
      .poll(() => page.getByRole('heading', { name: 'Medical profile' }).isVisible())
      .toBe(true);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Book consultation' }).click();
    await page.getByLabel('Payment model').selectOption('pay_first');
    await page.getByLabel('Amount (NGN)').fill('7500');
    await page.getByRole('button', { name: 'Book consultation' }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toContain('Check the highlighted fields');
    await expectAccessible(page);
    await page.getByLabel('Payment confirmation (required for pay first)').fill('GW-4455667');
    await page.getByRole('button', { name: 'Book consultation' }).click();
    await page.waitForURL(/\/consultations\/\d+$/);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.waitForURL(/\/consultations\/\d+$/);
    await page.getByLabel('Reason').fill('Customer asked to cancel');
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Cancel consultation' }).click();
    await page.waitForURL(/\/consultations\/\d+$/);
    await expect.poll(() => page.locator('h1').textContent()).toContain('cancelled');
    await page.goto(`${server.url}/consultations?status=cancelled`);
    await expectAccessible(page);
    // The one expected problem: the deliberate 422 re-render of the booking form.
    expect(problems.filter((p) => !p.includes('422'))).toEqual([]);
  }, 90_000);

  it('when a doctor records notes on their consultation, then the admin sees the audit trail', async () => {
    const page = await browser.newPage();
    const problems = watchPage(page);
    await signIn(page, 'doctor@caredesk.test');
    await page.goto(`${server.url}/consultations?f=1&mine=1&status=scheduled`);
    await expectAccessible(page);
    const first = page.locator('table tbody a[href^="/consultations/"]').first();
    if (await first.count()) {
      await first.click();
      await expectAccessible(page);
      await page.getByLabel('Diagnosis').fill('Recorded in the browser test');
      await page.getByRole('button', { name: 'Save medical notes' }).click();
      await page.waitForURL(/\/consultations\/\d+$/);
      await expect
        .poll(() => page.getByLabel('Diagnosis').inputValue())
        .toBe('Recorded in the browser test');
    }
    const admin = await browser.newPage();
    await signIn(admin, 'admin@caredesk.test');
    await admin.goto(`${server.url}/audit?action=medical_view`);
    await expectAccessible(admin);
    expect(problems).toEqual([]);
  }, 90_000);
});
