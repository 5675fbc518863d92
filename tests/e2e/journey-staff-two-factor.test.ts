import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { currentCode } from '../../src/auth/two-factor.js';
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

beforeAll(async () => ({ db, server, browser } = await openDemoWorld(5)));
afterAll(() => closeDemoWorld({ db, server, browser }));

const PASSWORD = 'amber kettle drifts 5821 harbour';

describe('staff and two-factor journey in Chromium', () => {
  it('when an admin adds an agent, then the agent sets a password through the link, enrols two-factor, signs out and back in with a code', async () => {
    const email = `new.agent.${randomUUID().slice(0, 8)}@clinic.example`;
    const admin = await browser.newPage();
    const adminProblems = watchPage(admin);
    await signInAs(admin, server.url, 'admin@caredesk.test');
    await admin
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Staff' })
      .click();
    await admin.getByRole('link', { name: 'Add a person' }).click();
    await expectAccessible(admin);
    await admin.getByLabel('Name').fill('Nneka Newhire');
    await admin.getByLabel('Email').fill(email);
    await admin.getByLabel('Role').selectOption('agent');
    await admin.getByRole('button', { name: 'Add and create a sign-in link' }).click();
    const link = await admin.getByLabel('Sign-in link').inputValue();
    expect(link).toMatch(/\/reset-password\/[A-Za-z0-9_-]{43}$/);
    await expectAccessible(admin);
    expect(adminProblems).toEqual([]);

    // The agent, in a browser of their own.
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto(link);
    await expectAccessible(page);
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('New password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(`${server.url}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/`);

    await page.goto(`${server.url}/account`);
    await page.getByRole('link', { name: 'Set it up' }).click();
    await expect
      .poll(() =>
        page
          .locator('img.qr')
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
      )
      .toBe(true);
    await expectAccessible(page);
    const secret = await page.getByLabel('Key for typing in').inputValue();
    await page.getByLabel('Code from the app').fill(currentCode(secret));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await expect.poll(() => page.locator('.recovery-codes code').count()).toBe(10);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${server.url}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/login/two-factor`);
    await expectAccessible(page);
    // The enrolment used this time step's code; the app's next code is the one to type.
    await page.getByLabel('Code').fill(currentCode(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/`);
    await page.goto(`${server.url}/tickets`);
    expect(new URL(page.url()).pathname).toBe('/tickets');
    expect(problems).toEqual([]);

    const user = await db.prisma.user.findUniqueOrThrow({
      where: { email },
      select: { role: true, totpEnabledAt: true },
    });
    expect(user.role).toBe('agent');
    expect(user.totpEnabledAt).not.toBeNull();
    await context.close();
  }, 180_000);
});
