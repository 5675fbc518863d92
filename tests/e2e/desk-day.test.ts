import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const PHONE = { width: 360, height: 740 };
// Dark mode changes colours only (one stylesheet for all pages): a page of each kind is checked in it.
const DARK_SAMPLE =
  /^\/(|metrics|audit|account|go\?.*|tickets|tickets\/\d+|customers\/\d+|escalations\/\d+|consultations\/new)$/;

/** Every page a role reaches from its navigation, plus one record of each list, a form or two and settings. */
async function crawl(page: Page): Promise<string[]> {
  const found = new Set<string>(['/', '/account', '/go?q=a']);
  await page.goto(`${server.url}/`);
  const nav = await page
    .locator('#main-nav a')
    .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  for (const href of nav) found.add(href);
  for (const list of nav.filter(
    (href) => href !== '/' && href !== '/metrics' && href !== '/audit',
  )) {
    await page.goto(`${server.url}${list}`);
    const record = await page
      .locator(`table.cards tbody a[href^="${list}/"]`)
      .first()
      .getAttribute('href')
      .catch(() => null);
    if (record) found.add(record);
    const create = await page
      .locator(`a[href^="${list}/new"]`)
      .first()
      .getAttribute('href')
      .catch(() => null);
    if (create) found.add(create);
  }
  return [...found];
}

async function expectFits(page: Page): Promise<void> {
  const [scrollWidth, innerWidth] = await page.evaluate<[number, number]>(
    '[document.documentElement.scrollWidth, window.innerWidth]',
  );
  expect(scrollWidth, `${page.url()} is ${scrollWidth}px wide`).toBeLessThanOrEqual(innerWidth);
}

/** Presses Tab until `selector` has focus: a keyboard user's way of reaching a control. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 80; presses++) {
    if (
      await page.evaluate<boolean>(
        `Boolean(document.activeElement?.matches(${JSON.stringify(selector)}))`,
      )
    )
      return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector} on ${page.url()}`);
}

describe('on a 360 px phone, in light and dark mode', () => {
  const crawlTitle =
    'when the %s crawls every page, then each fits the screen and passes axe (WCAG 2.1 AA, best practice)';
  it.each(['agent', 'admin', 'doctor'])(
    crawlTitle,
    async (role) => {
      const email = `${role}@caredesk.test`;
      const context = await browser.newContext({ viewport: PHONE });
      const page = await context.newPage();
      const problems = watchPage(page);
      await signInAs(page, server.url, email, { checkAccessibility: true });
      const pages = await crawl(page);
      expect(pages.length).toBeGreaterThan(7);
      for (const path of pages) {
        const res = await page.goto(`${server.url}${path}`);
        expect(res?.status(), path).toBe(200);
        await expectFits(page);
        await expectAccessible(page);
        if (role === 'admin' && DARK_SAMPLE.test(path)) {
          await page.emulateMedia({ colorScheme: 'dark' });
          await expectAccessible(page);
          await page.emulateMedia({ colorScheme: 'light' });
        }
      }
      expect(problems).toEqual([]);
      await context.close();
    },
    420_000,
  );

  it('when the menu button is pressed, then the navigation opens and closes', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await signInAs(page, server.url, 'agent@caredesk.test');
    const menu = page.getByRole('button', { name: 'Menu' });
    expect(await page.locator('#main-nav').isVisible()).toBe(false);
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    const tickets = page.locator('#main-nav').getByRole('link', { name: 'Tickets', exact: true });
    expect(await tickets.isVisible()).toBe(true);
    const box = await tickets.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    await menu.click();
    expect(await page.locator('#main-nav').isVisible()).toBe(false);
    await context.close();
  });

  it('when JavaScript is off, then the pages still fit and the navigation is shown in full', async () => {
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    await signInAs(page, server.url, 'supervisor@caredesk.test');
    for (const path of ['/', '/tickets?view=all', '/metrics', '/go?q=tickets']) {
      await page.goto(`${server.url}${path}`);
      await expectFits(page);
    }
    expect(await page.getByRole('link', { name: 'Tickets', exact: true }).first().isVisible()).toBe(
      true,
    );
    await context.close();
  });
});

describe('the keyboard', () => {
  it("when ? is pressed, then a real dialog lists this page's shortcuts; j/k move a cursor and Enter opens the row", async () => {
    const page = await browser.newPage();
    const problems = watchPage(page);
    await signInAs(page, server.url, 'agent@caredesk.test');
    await page.goto(`${server.url}/tickets?view=unassigned`);
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Next / previous row');
    await expectAccessible(page);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const first = page.locator('table.cards tbody tr').first();
    expect(await first.getAttribute('class')).toContain('is-cursor');
    const href = await first.locator('a').first().getAttribute('href');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}${href}`);
    expect(await page.getByRole('button', { name: 'Claim' }).getAttribute('title')).toBe(
      'Claim (c)',
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('when typing in a text field, then shortcuts do nothing', async () => {
    const page = await browser.newPage();
    await signInAs(page, server.url, 'agent@caredesk.test');
    await page.goto(`${server.url}/tickets?view=unassigned`);
    const url = page.url();
    await page.getByLabel('Search (number, subject, customer)').focus();
    await page.keyboard.type('jk?cgt x');
    expect(await page.getByLabel('Search (number, subject, customer)').inputValue()).toBe(
      'jk?cgt x',
    );
    expect(await page.locator('dialog[open]').count()).toBe(0);
    expect(await page.locator('tr.is-cursor').count()).toBe(0);
    expect(page.url()).toBe(url);

    await page.locator('table.cards tbody a[href^="/tickets/"]').first().click();
    const ticketUrl = page.url();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Description').focus();
    await page.keyboard.type(' cre?');
    expect(await page.getByLabel('Description').inputValue()).toContain(' cre?');
    expect(await page.locator('dialog[open]').count()).toBe(0);
    await page.goto(ticketUrl);
    expect(await page.locator('.flash-success').count()).toBe(0);
    await page.close();
  });

  it('when Ctrl+K is pressed, then the palette opens as a combobox; typing a ticket number and Enter opens that ticket', async () => {
    const ticket = await db.prisma.supportTicket.findFirstOrThrow({
      select: { id: true, number: true },
      orderBy: { id: 'desc' },
    });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await signInAs(page, server.url, 'agent@caredesk.test');
    await page.keyboard.press('Control+k');
    const box = page.getByRole('combobox');
    await box.waitFor();
    expect(await page.evaluate<string>('document.activeElement.getAttribute("role")')).toBe(
      'combobox',
    );
    await expectAccessible(page);
    await page.keyboard.type(ticket.number.toLowerCase());
    await expect
      .poll(() => page.getByRole('option').first().textContent())
      .toContain(ticket.number);
    expect(await box.getAttribute('aria-expanded')).toBe('true');
    expect(await box.getAttribute('aria-activedescendant')).toBe('palette-option-0');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/tickets/${ticket.id}`);

    await page.getByRole('link', { name: /Go to/ }).click();
    await page.keyboard.type('metrics');
    await expect
      .poll(() => page.locator('.palette-status').textContent())
      .toBe('No matches you may open.');
    await page.keyboard.press('Escape');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('when an agent uses the keyboard only, then they create a ticket, write to it, claim it and escalate it', async () => {
    const customer = await db.prisma.customer.findFirstOrThrow({
      select: { id: true, fullName: true },
      orderBy: { id: 'asc' },
    });
    const page = await browser.newPage();
    const problems = watchPage(page);
    await signInAs(page, server.url, 'agent@caredesk.test');

    await page.keyboard.press('Control+k');
    await page.keyboard.type('new ticket');
    await expect.poll(() => page.getByRole('option').first().textContent()).toContain('New ticket');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/tickets/new`);
    await page.keyboard.press('/');
    await page.keyboard.type(customer.fullName);
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=/);
    await tabTo(page, `a[href$="customerId=${customer.id}"]`);
    await page.keyboard.press('Enter');
    await page.waitForURL(/customerId=/);
    await tabTo(page, '#subject');
    await page.keyboard.type('Cannot join the video call');
    await tabTo(page, '#category');
    await page.keyboard.type('technical');
    await tabTo(page, '#description');
    await page.keyboard.type('Camera permission prompt never appears.');
    await tabTo(page, 'button.primary[type="submit"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/tickets\/\d+$/);
    const ticketUrl = page.url();

    await page.keyboard.press('c');
    await page.locator('.flash-success', { hasText: 'You now own' }).waitFor();
    await tabTo(page, 'a[href$="/edit"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/edit$/);
    await tabTo(page, '#description');
    await page.keyboard.press('End');
    await page.keyboard.type(' Tried Chrome and Firefox.');
    await tabTo(page, 'button.primary[type="submit"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(ticketUrl);
    expect(await page.locator('main').textContent()).toContain('Tried Chrome and Firefox.');

    await page.keyboard.press('e');
    await page.waitForURL(/\/escalations\/new\?ticketId=/);
    await tabTo(page, '#targetType-admin');
    await page.keyboard.press('Space');
    await tabTo(page, '#targetUserId');
    await page.keyboard.press('ArrowDown');
    await tabTo(page, '#reason');
    await page.keyboard.type('The patient needs a refund decision today.');
    await tabTo(page, 'button.primary[type="submit"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/escalations\/\d+$/);
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
