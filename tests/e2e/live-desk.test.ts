import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo } from '../../src/db/seed/demo.js';
import type { LiveDesk } from '../../src/modules/live/hub.js';
import { buildApp } from '../support/app.js';
import { expectAccessible, launchBrowser, signInAs, watchPage } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { listen } from '../support/sse.js';

let db: TestDatabase;
let server: Awaited<ReturnType<typeof listen>>;
let live: LiveDesk;
let browser: Browser;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemo(db.prisma, { customers: 10 });
  // Streams as in production: long-lived, so an event is never waiting on a reconnect.
  const app = buildApp(db, { LIVE_STREAM_SECONDS: '600' });
  live = app.locals.live as LiveDesk;
  server = await listen(app);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await live?.close();
  await db?.drop();
});

/** A page in its own browser context (its own cookies), signed in. */
async function person(email: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchPage(page);
  await signInAs(page, server.url, email);
  return { page, problems };
}

/**
 * Waits until this page's own stream is registered on the server (its `ready` event), so a change
 * committed next cannot slip past it. Counting the server's streams would also count the streams of
 * pages opened earlier, or of the page being navigated away from.
 */
async function streaming(page: Page): Promise<void> {
  await page.locator('html[data-live="ready"]').waitFor({ state: 'attached', timeout: 10_000 });
}

describe('the live desk in Chromium, two agents', () => {
  it(
    "when agent A creates a ticket, then agent B's unassigned list shows it within 2 s without a reload, " +
      'and B sees A viewing and then editing it',
    async () => {
      const a = await person('agent@caredesk.test');
      const b = await person('agent2@caredesk.test');
      await b.page.goto(`${server.url}/tickets?view=unassigned`);
      await b.page.evaluate(
        () => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true),
      );
      await streaming(a.page);
      await streaming(b.page);

      const customer = await db.prisma.customer.findFirstOrThrow({ orderBy: { id: 'asc' } });
      await a.page.goto(`${server.url}/tickets/new?customerId=${customer.id}`);
      await a.page.getByLabel('Subject').fill('Live desk: card declined twice');
      await a.page.getByLabel('Category').selectOption('billing');
      await a.page.getByLabel('Description').fill('Customer was charged but the booking failed.');
      await a.page.getByRole('button', { name: 'Create ticket' }).click();
      await a.page.waitForURL(/\/tickets\/\d+$/);
      const id = Number(/\/tickets\/(\d+)$/.exec(a.page.url())![1]);

      const row = b.page.locator(`#live-list tr[data-id="${id}"]`);
      const soon = { timeout: 2_000, interval: 100 };
      await expect.poll(() => row.count(), soon).toBe(1);
      expect(await row.textContent()).toContain('Live desk: card declined twice');
      expect(
        await b.page.evaluate(
          () => (globalThis as unknown as { notReloaded?: boolean }).notReloaded,
        ),
      ).toBe(true);
      const announcer = b.page.locator('[role="status"][aria-live="polite"]');
      await expect.poll(() => announcer.textContent()).toContain('1 new ticket');
      await expectAccessible(b.page);

      // A is on the ticket's page; B opens it too and sees A there, then A starts typing on the edit form.
      await b.page.goto(`${server.url}/tickets/${id}`);
      const presence = b.page.locator('#presence');
      await expect.poll(() => presence.textContent(), soon).toContain('Amara Agent is viewing');
      await a.page.goto(`${server.url}/tickets/${id}/edit`);
      await a.page.getByLabel('Subject').fill('Live desk: card declined three times');
      await expect.poll(() => presence.textContent(), soon).toContain('Amara Agent is editing');
      await expectAccessible(b.page);

      // A saves: B, still on the old version, is told before saving anything.
      await a.page.getByRole('button', { name: /Save/ }).click();
      await a.page.waitForURL(new RegExp(`/tickets/${id}$`));
      await expect
        .poll(() => presence.textContent(), soon)
        .toMatch(/Amara Agent saved this ticket\s+\d+ s ago/);

      // A closes the tab: B stops seeing A.
      await a.page.close({ runBeforeUnload: true });
      await expect
        .poll(() => presence.textContent(), { timeout: 5_000, interval: 200 })
        .not.toContain('Amara Agent is');
      expect(a.problems).toEqual([]);
      expect(b.problems).toEqual([]);
    },
    120_000,
  );

  it(
    'when the reader is working inside the list, then new tickets wait behind "N new · show" ' +
      'instead of moving rows, and showing them highlights them',
    async () => {
      const a = await person('agent@caredesk.test');
      const b = await person('agent2@caredesk.test');
      const customer = await db.prisma.customer.findFirstOrThrow({ orderBy: { id: 'desc' } });
      await b.page.goto(`${server.url}/tickets?view=unassigned`);
      await streaming(b.page);
      // B has focus on a row's link: the list must not change under them.
      const firstLink = b.page.locator('#live-list tr[data-id] a').first();
      await firstLink.focus();
      const rowsBefore = await b.page.locator('#live-list tr[data-id]').count();

      await a.page.goto(`${server.url}/tickets/new?customerId=${customer.id}`);
      await a.page.getByLabel('Subject').fill('Live desk: second ticket while B reads');
      await a.page.getByLabel('Category').selectOption('technical');
      await a.page.getByLabel('Description').fill('App freezes on the payment screen.');
      await a.page.getByRole('button', { name: 'Create ticket' }).click();
      await a.page.waitForURL(/\/tickets\/\d+$/);
      const id = Number(/\/tickets\/(\d+)$/.exec(a.page.url())![1]);

      const show = b.page.getByRole('button', { name: '1 new · show' });
      await expect.poll(() => show.count(), { timeout: 2_000, interval: 100 }).toBe(1);
      expect(await b.page.locator('#live-list tr[data-id]').count()).toBe(rowsBefore);
      expect(await b.page.locator(`#live-list tr[data-id="${id}"]`).count()).toBe(0);
      await show.click();
      await expect
        .poll(() => b.page.locator(`#live-list tr[data-id="${id}"].live-changed`).count())
        .toBe(1);
      expect(await show.count()).toBe(0);
      expect(b.problems).toEqual([]);
    },
    120_000,
  );

  it(
    "when an escalation is raised to an admin and then taken, then the admin's inbox shows it " +
      'highlighted within 2 s and updates its row in place from its row fragment',
    async () => {
      const admin = await person('admin@caredesk.test');
      const raiser = await db.prisma.user.findUniqueOrThrow({
        where: { email: 'agent3@caredesk.test' },
      });
      const adminUser = await db.prisma.user.findUniqueOrThrow({
        where: { email: 'admin@caredesk.test' },
      });
      const customer = await db.prisma.customer.findFirstOrThrow({ orderBy: { id: 'asc' } });
      await admin.page.goto(`${server.url}/escalations`);
      await admin.page.evaluate(
        () => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true),
      );
      await streaming(admin.page);

      const escalation = await db.prisma.escalation.create({
        data: {
          customerId: customer.id,
          raisedById: raiser.id,
          targetType: 'admin',
          targetUserId: adminUser.id,
          reason: 'Refund above the desk limit.',
        },
      });
      const row = admin.page.locator(`#live-list tr[data-id="${escalation.id}"]`);
      const soon = { timeout: 2_000, interval: 100 };
      await expect.poll(() => row.count(), soon).toBe(1);
      expect(await row.getAttribute('class')).toContain('live-changed');
      const announcer = admin.page.locator('[role="status"][aria-live="polite"]');
      await expect.poll(() => announcer.textContent()).toContain('1 new escalation');

      const fragments: string[] = [];
      admin.page.on('request', (request) => fragments.push(new URL(request.url()).pathname));
      await db.prisma.escalation.update({
        where: { id: escalation.id },
        data: { status: 'in_progress', takenAt: new Date(), version: { increment: 1 } },
      });
      await expect.poll(() => row.textContent(), soon).toContain('in progress');
      expect(fragments).toContain(`/escalations/${escalation.id}/row`);
      expect(fragments).not.toContain('/escalations');
      expect(
        await admin.page.evaluate(
          () => (globalThis as unknown as { notReloaded?: boolean }).notReloaded,
        ),
      ).toBe(true);
      await expectAccessible(admin.page);
      expect(admin.problems).toEqual([]);
    },
    120_000,
  );
});
