import fs, { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ejs from 'ejs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderView } from '../../src/http/view-engine.js';

/** A views folder of its own: a page that includes a row partial per item and a shared footer. */
function viewsFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'caredesk-views-'));
  mkdirSync(path.join(dir, 'partials'));
  mkdirSync(path.join(dir, 'list'));
  writeFileSync(
    path.join(dir, 'list', 'page.ejs'),
    `<h1><%= title %></h1><% items.forEach(function (item, i) { %><%- include('_row', { item: item, i: i }) %><% }) %>` +
      `<p><%= typeof item === 'undefined' ? 'row data stayed in the row' : 'leaked' %></p>` +
      `<%- include('../partials/foot') %>`,
  );
  writeFileSync(
    path.join(dir, 'list', '_row.ejs'),
    `<li data-i="<%= i %>"><%= item.name %> · <%= title %><% if (locals.size) { %> <%= size %><% } %></li>`,
  );
  writeFileSync(path.join(dir, 'partials', 'foot.ejs'), `<footer><%= title %></footer>`);
  return dir;
}

const render = (file: string, data: Record<string, unknown>) =>
  new Promise<string>((resolve, reject) =>
    renderView(file, data, (error, html) => (error ? reject(error) : resolve(html ?? ''))),
  );

afterEach(() => vi.restoreAllMocks());

describe('view engine', () => {
  it('when a page includes partials with their own data, then the HTML is what EJS renders', async () => {
    const dir = viewsFolder();
    const page = path.join(dir, 'list', 'page.ejs');
    const data = {
      title: '<Tickets & "co">',
      items: [{ name: 'Ada <b>' }, { name: "O'Neil" }],
      size: 'large',
      cache: true,
    };
    const expected = await ejs.renderFile(page, data);
    expect(await render(page, data)).toBe(expected);
    expect(expected).toContain('row data stayed in the row');
    expect(expected).toContain('Ada &lt;b&gt; · &lt;Tickets &amp; &#34;co&#34;&gt; large');
  });

  it('when the view cache is on and a page includes a partial per row, then the disk is not asked again', async () => {
    const dir = viewsFolder();
    const page = path.join(dir, 'list', 'page.ejs');
    const data = {
      title: 'T',
      items: Array.from({ length: 50 }, (_, i) => ({ name: `n${i}` })),
      cache: true,
    };
    await render(page, data);
    const asked = [
      vi.spyOn(fs, 'existsSync'),
      vi.spyOn(fs, 'statSync'),
      vi.spyOn(fs, 'readFileSync'),
    ];
    const html = await render(page, { ...data, title: 'Again' });
    expect(html.match(/<li /g)).toHaveLength(50);
    expect(html).toContain('n49 · Again');
    expect(asked.map((spy) => spy.mock.calls.length)).toEqual([0, 0, 0]);
  });

  it('when the view cache is off and a partial changes on disk, then the next render shows the change', async () => {
    const dir = viewsFolder();
    const page = path.join(dir, 'list', 'page.ejs');
    const data = { title: 'T', items: [], cache: false };
    expect(await render(page, data)).toContain('<footer>T</footer>');
    const foot = path.join(dir, 'partials', 'foot.ejs');
    writeFileSync(foot, `<footer class="new"><%= title %></footer>`);
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(foot, later, later);
    expect(await render(page, data)).toContain('<footer class="new">T</footer>');
  });

  it('when a template throws with the view cache off, then the error names the view and line', async () => {
    const dir = viewsFolder();
    const page = path.join(dir, 'list', 'page.ejs');
    await expect(render(page, { title: 'T', items: [null], cache: false })).rejects.toThrow(
      /in view .*_row\.ejs:1$/,
    );
  });

  it('when a template throws, then the error names the view it happened in', async () => {
    const dir = viewsFolder();
    const page = path.join(dir, 'list', 'page.ejs');
    await expect(render(page, { title: 'T', items: [null], cache: true })).rejects.toThrow(
      /in view .*_row\.ejs/,
    );
  });

  it('when a partial is included with a key, then it renders once per key and the file change empties it', async () => {
    const dir = viewsFolder();
    const page = path.join(dir, 'list', 'keyed.ejs');
    writeFileSync(
      page,
      `<% items.forEach(function (item, i) { %><%- include('_row', { item: item, i: i }, item.key) %><% }) %>`,
    );
    const items = [
      { name: 'first', key: 'a' },
      { name: 'second', key: 'b' },
      { name: 'third', key: undefined },
    ];
    expect(await render(page, { title: 'T', items, cache: false })).toBe(
      '<li data-i="0">first · T</li><li data-i="1">second · T</li><li data-i="2">third · T</li>',
    );
    // The same keys with other data: the keyed rows are the HTML of their first rendering.
    const renamed = items.map((item) => ({ ...item, name: item.name.toUpperCase() }));
    expect(await render(page, { title: 'U', items: renamed, cache: false })).toBe(
      '<li data-i="0">first · T</li><li data-i="1">second · T</li><li data-i="2">THIRD · U</li>',
    );
    const row = path.join(dir, 'list', '_row.ejs');
    writeFileSync(row, `<li class="new"><%= item.name %></li>`);
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(row, later, later);
    expect(await render(page, { title: 'U', items: renamed, cache: false })).toBe(
      '<li class="new">FIRST</li><li class="new">SECOND</li><li class="new">THIRD</li>',
    );
  });
});
