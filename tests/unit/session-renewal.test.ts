import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { renewSession } from '../../src/http/session-renewal.js';

function request(path: string, headers: Record<string, string> = {}) {
  const session: { renewedAt?: number } = {};
  const get = (name: string) => headers[name.toLowerCase()];
  const req = { path, user: { id: 1 }, session, get } as unknown as Request;
  return { req, session };
}

describe('session renewal', () => {
  it('when a signed-in user loads a page, then the idle expiry moves on', () => {
    const { req, session } = request('/tickets');
    renewSession(req, {} as Response, () => {});
    expect(session.renewedAt).toBeGreaterThan(0);
  });

  it('when only the live desk talks (stream, fragments, presence), then an unattended session stays idle', () => {
    const live = { 'x-live': '1' };
    const background = [
      ['/events', {}],
      ['/presence', live],
      ['/tickets/5/row', live],
    ] as const;
    for (const [path, headers] of background) {
      const { req, session } = request(path, headers);
      let called = false;
      renewSession(req, {} as Response, () => (called = true));
      expect(called, path).toBe(true);
      expect(session.renewedAt, path).toBeUndefined();
    }
  });
});
