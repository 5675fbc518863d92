import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { useErrorPages } from '../../src/http/errors.js';
import { projectRoot } from '../../src/paths.js';

/** The app's error handler behind a route that fails the way an unexpected bug would. */
function failingApp(env: Record<string, string>) {
  const app = express();
  app.set('views', path.join(projectRoot, 'views'));
  app.set('view engine', 'ejs');
  app.use((_req, res, next) => {
    Object.assign(res.locals, {
      csrfToken: '',
      flash: [],
      currentUser: null,
      currentPath: '/boom',
      nav: [],
    });
    next();
  });
  app.get('/boom', () => {
    throw new Error('database password is hunter2');
  });
  useErrorPages(app, loadConfig(env).showErrorDetails);
  return app;
}

/** The same app with its error page unable to render: Express's own fallback must not show the stack either. */
function appWithBrokenViews(env: Record<string, string>) {
  const app = failingApp(env);
  app.set('views', path.join(projectRoot, 'no-such-views'));
  return app;
}

describe('500 pages', () => {
  it('when even the error page cannot render and NODE_ENV is unset, then Express shows no stack either', async () => {
    const app = appWithBrokenViews({});
    const res = await request(app).get('/boom').expect(500);
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('when NODE_ENV is unset, then the page shows no stack trace or error text', async () => {
    const res = await request(failingApp({})).get('/boom').expect(500);
    expect(res.text).toContain('Something went wrong');
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toContain('error-pages.test.ts');
  });

  it('when NODE_ENV=development is set explicitly, then the stack is shown to the developer', async () => {
    const res = await request(failingApp({ NODE_ENV: 'development' }))
      .get('/boom')
      .expect(500);
    expect(res.text).toContain('error-pages.test.ts');
  });
});
