import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
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

describe('a ticket as a working conversation, in Chromium', () => {
  it('when an agent logs a call with a saved reply, mentions a colleague and sets a follow-up, then the colleague sees the mention', async () => {
    const agent = await db.prisma.user.findUniqueOrThrow({
      where: { email: 'agent@caredesk.test' },
    });
    const customer = await db.prisma.customer.findFirstOrThrow({ orderBy: { id: 'asc' } });
    const ticket = await db.prisma.supportTicket.create({
      data: {
        number: 'TKT-JRNY0001',
        customerId: customer.id,
        category: 'billing',
        priority: 'high',
        subject: 'Charged twice for one consultation',
        description: 'The patient sees two charges.',
        createdById: agent.id,
        assigneeId: agent.id,
      },
    });
    await db.prisma.cannedReply.create({
      data: {
        title: 'Refund started',
        shortcut: 'refund-started',
        category: 'billing',
        body: 'Called {{customer.firstName}}: the refund for {{ticket.number}} has started.',
        createdById: agent.id,
      },
    });

    const page = await browser.newPage();
    const problems = watchPage(page);
    await signInAs(page, server.url, 'agent@caredesk.test');
    await page.goto(`${server.url}/tickets`);
    await page
      .getByRole('link', { name: /TKT-JRNY0001/ })
      .first()
      .click();
    await page.waitForURL(`${server.url}/tickets/${ticket.id}`);
    await expectAccessible(page);

    // The call, written with the saved reply.
    await page.getByLabel('Contact with the patient').check();
    await page.getByLabel('Channel (contact only)').selectOption('call');
    await page.getByLabel('Direction (contact only)').selectOption('outbound');
    const replies = page.getByLabel(/Add a saved reply/);
    const replyId = await replies
      .locator('option', { hasText: 'Refund started' })
      .getAttribute('value');
    await replies.selectOption(replyId!);
    await expect
      .poll(() => page.getByLabel('Note or summary').inputValue())
      .toBe(';refund-started ');
    await page.getByRole('button', { name: 'Add to thread' }).click();
    await page.locator('.flash-success', { hasText: 'Contact logged.' }).waitFor();
    const filled = `Called ${customer.firstName}: the refund for TKT-JRNY0001 has started.`;
    await page.getByText(filled).waitFor();

    // A note that mentions a colleague, picked from the names offered after "@".
    await page.getByLabel('Internal note').check();
    const body = page.getByLabel('Note or summary');
    await body.click();
    await body.pressSequentially('Please check the second charge @Sol');
    const option = page.getByRole('option', { name: 'Sola Supervisor' });
    await option.waitFor();
    await expectAccessible(page);
    await body.press('Enter');
    await expect
      .poll(() => body.inputValue())
      .toBe('Please check the second charge @Sola Supervisor ');
    await page.getByRole('button', { name: 'Add to thread' }).click();
    await page.locator('.flash-success', { hasText: 'Note added.' }).waitFor();

    // The follow-up.
    const due = new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);
    await page.getByLabel('Follow up at (UTC)').fill(due);
    await page.getByLabel('because').fill('Confirm the refund arrived');
    await page.getByRole('button', { name: 'Set follow-up' }).click();
    await page.getByText('Confirm the refund arrived').first().waitFor();
    expect(problems).toEqual([]);

    // The colleague, in their own browser session, sees who mentioned them and where.
    const context = await browser.newContext();
    const colleague = await context.newPage();
    await signInAs(colleague, server.url, 'supervisor@caredesk.test');
    await colleague.goto(`${server.url}/notifications`);
    const mention = colleague.getByText(/Amara Agent mentioned you on/).first();
    await mention.waitFor();
    expect(await mention.textContent()).toContain('TKT-JRNY0001');
    await expectAccessible(colleague);
    await context.close();
  }, 180_000);
});
