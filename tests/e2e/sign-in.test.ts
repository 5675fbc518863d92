import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/db/seed/demo.js';
import type { TestDatabase } from '../support/db.js';
import {
  closeDemoWorld,
  type DemoWorld,
  expectAccessible,
  openDemoWorld,
  watchPage,
} from '../support/browser.js';

let db: TestDatabase;
let server: DemoWorld['server'];
let browser: Browser;

beforeAll(async () => ({ db, server, browser } = await openDemoWorld()));
afterAll(() => closeDemoWorld({ db, server, browser }));

describe('signing in and out in Chromium', () => {
  it('when an agent signs in, then they see live counts on the home page, visit each module, and sign out', async () => {
    const page = await browser.newPage();
    const problems = watchPage(page);
    await page.goto(`${server.url}/tickets`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expectAccessible(page);

    await page.getByLabel('Email').fill('agent@caredesk.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/tickets`);

    await page.goto(`${server.url}/`);
    const openTickets = await db.prisma.supportTicket.count({
      where: { status: { in: ['open', 'pending', 'escalated'] } },
    });
    await expect
      .poll(() => page.locator('[data-count="open-tickets"]').textContent())
      .toBe(String(openTickets));
    await expectAccessible(page);

    for (const link of ['Interactions', 'Tickets', 'Escalations', 'Consultations', 'Customers']) {
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: link })
        .click();
      await expect.poll(() => page.locator('h1').first().textContent()).toBeTruthy();
      await expectAccessible(page);
    }

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.url}/login`);
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(problems).toEqual([]);
  }, 90_000);

  it('when the password is wrong, then the email stays typed and the page says why', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill('doctor@caredesk.test');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('do not match');
    await expect.poll(() => page.getByLabel('Email').inputValue()).toBe('doctor@caredesk.test');
    await expectAccessible(page);
  }, 60_000);
});
