import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { DEMO_PASSWORD, seedDemo } from '../../src/db/seed/demo.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { buildApp } from './app.js';
import { createHttpServer } from '../../src/http/http-server.js';

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

export async function startServer(
  database: Database,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createHttpServer(buildApp(database)).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function launchBrowser(): Promise<Browser> {
  // Our own flags: the packaged build's defaults include --single-process, which breaks a second
  // browser context.
  return chromium.launch({
    executablePath: inject('chromiumPath'),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
}

/** Fails the test on CSP violations and page errors seen by this page. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

/** The rule sets every browser test holds each page to. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

interface AxeRun {
  run(options: {
    runOnly: { type: 'tag'; values: string[] };
  }): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }>;
}

/**
 * Runs axe-core in the page (through the devtools protocol, so the page's CSP stays intact) with
 * WCAG 2.1 A/AA and best-practice rules; any serious or critical violation fails the test.
 */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: AxeRun }).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: tags } });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.nodes.length})`);
  }, AXE_TAGS);
  expect(violations, `axe on ${page.url()}`).toEqual([]);
}

export interface DemoWorld {
  db: TestDatabase;
  server: Awaited<ReturnType<typeof startServer>>;
  browser: Browser;
}

/** A seeded database of its own, the app listening on it, and Chromium: one per browser test file. */
export async function openDemoWorld(customers = 30): Promise<DemoWorld> {
  const db = await createTestDatabase();
  await seedDemo(db.prisma, { customers });
  return { db, server: await startServer(db), browser: await launchBrowser() };
}

export async function closeDemoWorld(world: Partial<DemoWorld>): Promise<void> {
  await world.browser?.close();
  await world.server?.close();
  await world.db?.drop();
}

export async function signInAs(
  page: Page,
  baseUrl: string,
  email: string,
  options: { checkAccessibility?: boolean } = {},
): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  if (options.checkAccessibility) await expectAccessible(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/`);
  if (options.checkAccessibility) await expectAccessible(page);
}
