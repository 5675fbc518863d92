import { describe, expect, it } from 'vitest';
import { prepared } from '../../src/db/prepared.js';

describe('prepared statements', () => {
  it('when the same SQL is sent again, then it has the same name; other SQL another name', () => {
    const list = 'SELECT id FROM support_tickets WHERE status = $1';
    const first = prepared(list, ['open']);
    expect(first.name).toMatch(/^p[\w-]+$/);
    expect(prepared(list, ['pending']).name).toBe(first.name);
    expect(prepared(list + ' LIMIT 26', ['open']).name).not.toBe(first.name);
    expect(prepared(list, ['pending']).values).toEqual(['pending']);
  });

  it('when a process has built more distinct statements than the cap, then further ones go unnamed', () => {
    const named = Array.from({ length: 400 }, (_, i) => prepared(`SELECT ${i} AS n`, []).name);
    expect(named.filter(Boolean).length).toBeLessThan(400);
    expect(named.at(-1)).toBeUndefined();
    expect(prepared('SELECT 0 AS n', []).name).toBe(named[0]);
  });

  it('when a statement is planned per call, then it goes unnamed', () => {
    const search = 'SELECT id FROM customers WHERE full_name ILIKE $1';
    expect(prepared(search, ['%ab%'], { planPerCall: true })).toEqual({
      name: undefined,
      text: search,
      values: ['%ab%'],
    });
  });
});
