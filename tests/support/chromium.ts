import { existsSync } from 'node:fs';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export interface ChromiumChoice {
  path: string;
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

/**
 * The browser the tests drive: CHROMIUM_PATH if set, else the system's Chromium, else the one
 * shipped inside the @sparticuz/chromium npm package (unpacked into the temp dir on first use),
 * so `npm install && npm test` needs nothing from outside the npm registry.
 * Called once from the global set-up: parallel test files would otherwise race to unpack it.
 */
export async function resolveChromium(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChromiumChoice> {
  if (env.CHROMIUM_PATH) {
    if (!existsSync(env.CHROMIUM_PATH))
      throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist`);
    return { path: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' };
  }
  if (existsSync(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM, source: 'system' };
  const { default: packaged } = await import('@sparticuz/chromium');
  return { path: await packaged.executablePath(), source: '@sparticuz/chromium' };
}
