import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

const asRoot = process.getuid?.() === 0;
const privateDir = mkdtempSync(path.join(os.tmpdir(), 'caredesk-private-'));
chmodSync(privateDir, 0o700); // like /root or any `mktemp -d`: the postgres OS user cannot enter
const dataDir = path.join(privateDir, 'data');
const relocated: string[] = [];

afterAll(() => {
  for (const dir of relocated) rmSync(path.dirname(dir), { recursive: true, force: true });
  rmSync(privateDir, { recursive: true, force: true });
});

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe.runIf(asRoot)(
  'the embedded default, run as root from a directory the postgres user cannot enter',
  () => {
    it('when started twice, then the cluster lives where that user can reach and the data survives', async () => {
      const lines: string[] = [];
      const log = (line: string) => lines.push(line);
      const first = await startEmbeddedPostgres({
        dataDir,
        relocateIfUnreachable: true,
        ephemeral: true,
        log,
      });
      const where = /the embedded cluster is kept in (\S+)/.exec(lines.join('\n'))?.[1];
      expect(where).toMatch(/^\/var\/lib\/caredesk\//);
      relocated.push(where!);
      await query(
        first.url,
        'CREATE TABLE kept (note text); INSERT INTO kept VALUES ($$still here$$)',
      );
      await first.stop();

      lines.length = 0;
      const second = await startEmbeddedPostgres({
        dataDir,
        relocateIfUnreachable: true,
        ephemeral: true,
        log,
      });
      try {
        expect(lines.join('\n')).toContain(`kept in ${where}`);
        expect(lines.join('\n')).not.toContain('Initialising');
        expect((await query(second.url, 'SELECT note FROM kept')).rows).toEqual([
          { note: 'still here' },
        ]);
      } finally {
        await second.stop();
      }
      expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
    });

    it('when DATA_DIR was chosen explicitly, then it is not relocated and the message says what to do', async () => {
      await expect(
        startEmbeddedPostgres({ dataDir: path.join(privateDir, 'chosen') }),
      ).rejects.toThrow(/postgres' OS user, which cannot enter .*set DATA_DIR/);
    });
  },
);
