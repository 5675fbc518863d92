import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import express, { type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/http-server.js';

// V8's own test for "these two objects share a hidden class", allowed for this file only.
v8.setFlagsFromString('--allow-natives-syntax');
const sameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
  a: object,
  b: object,
) => boolean;

describe('the HTTP server the app listens with', () => {
  const seen: [Request, Response][] = [];
  const app = express();
  app.use((_req, res, next) => {
    res.locals.viewer = 'someone';
    next();
  });
  app.get('/', (req, res) => {
    seen.push([req, res]);
    res.send(`${req.app === app} ${req.get('x-probe')} ${res.locals.viewer}`);
  });
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = createHttpServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('when it serves a request, then Express methods and app links work as usual', async () => {
    const res = await fetch(url, { headers: { 'x-probe': 'yes' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('true yes someone');
  });

  it('when two requests reach a route, then their objects share one hidden class each', async () => {
    seen.length = 0;
    for (let i = 0; i < 2; i++) await (await fetch(url)).text();
    const [[firstReq, firstRes], [secondReq, secondRes]] = seen;
    expect(Object.getPrototypeOf(secondReq)).toBe(app.request);
    expect(sameHiddenClass(firstReq, secondReq)).toBe(true);
    expect(sameHiddenClass(firstRes, secondRes)).toBe(true);
  });
});
