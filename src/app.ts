import path from 'node:path';
import express, { type Express } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { authRouter } from './auth/router.js';
import { configurePassport } from './auth/passport.js';
import { SessionStore } from './auth/session-store.js';
import { referenceCacheOf } from './db/reference-cache.js';
import { renderView } from './http/view-engine.js';
import type { AppContext } from './context.js';
import { csrfProtection } from './http/csrf.js';
import { useErrorPages } from './http/errors.js';
import { exposeFlash } from './http/flash.js';
import { exposeNavigation } from './http/navigation.js';
import { renewSession } from './http/session-renewal.js';
import { viewerTimeZone } from './http/time-zone.js';
import { redirectAfterSave } from './http/redirect-after-save.js';
import { stripNul } from './http/strip-nul.js';
import { homeRouter } from './modules/home/router.js';
import { consultationsRouter } from './modules/consultations/router.js';
import { interactionsRouter } from './modules/interactions/router.js';
import { ticketsRouter } from './modules/tickets/router.js';
import { escalationsRouter } from './modules/escalations/router.js';
import { customersRouter } from './modules/customers/router.js';
import { parsePhotoUpload } from './modules/customers/photo-upload.js';
import { metricsRouter } from './modules/metrics/router.js';
import { auditRouter } from './modules/audit/router.js';
import { accountRouter } from './modules/account/router.js';
import { staffRouter } from './modules/staff/router.js';
import { slaRouter } from './modules/sla/router.js';
import { noteSessionClient } from './auth/sessions.js';
import { secondStepRouter } from './auth/second-step.js';
import { requireTwoFactorEnrolment } from './auth/two-factor-policy.js';
import { cannedRepliesRouter } from './modules/canned-replies/router.js';
import { followUpsRouter } from './modules/follow-ups/router.js';
import { exposeUnread, notificationsRouter } from './modules/notifications/router.js';
import { LiveDesk } from './modules/live/hub.js';
import { liveRouter } from './modules/live/router.js';
import { presenceRouter } from './modules/presence/router.js';
import { paletteRouter } from './modules/palette/router.js';
import { projectRoot as root } from './paths.js';
import { ACCESS_RULES, type AccessRules } from './privacy/index.js';

export const SESSION_COOKIE = 'caredesk.sid';

/** The live-update hub: the one the caller brought (tests, the server's shutdown), or a new one. */
function liveDeskOf({ live, pool, config }: AppContext): LiveDesk {
  return (
    live ??
    new LiveDesk(pool, {
      heartbeatMs: config.LIVE_HEARTBEAT_SECONDS * 1_000,
      retentionMinutes: config.LIVE_RETENTION_MINUTES,
      presenceTtlSeconds: config.PRESENCE_TTL_SECONDS,
    })
  );
}

function configureViews(app: Express, { config }: AppContext): void {
  app.set('views', path.join(root, 'views'));
  app.engine('ejs', renderView);
  app.set('view engine', 'ejs');
  app.set('trust proxy', config.TRUST_PROXY);
  app.set(ACCESS_RULES, {
    escalationAccessDays: config.ESCALATION_ACCESS_DAYS,
  } satisfies AccessRules);
  app.disable('x-powered-by');
  // Express would hash every page it sends to make an ETag: most of a millisecond on a long ticket
  // thread, for pages no browser revalidates (they are per person and change all the time). The
  // photo sets its own ETag; static files keep theirs.
  app.set('etag', false);
  if (config.NODE_ENV === 'production') app.set('view cache', true);
}

function useSecurityHeaders(app: Express, production: boolean): void {
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          upgradeInsecureRequests: production ? [] : null,
        },
      },
      strictTransportSecurity: production,
    }),
  );
}

/** Static files and the health check: answered before sessions, so they cost no session work. */
function useSessionlessRoutes(app: Express, { pool }: AppContext, production: boolean): void {
  app.use(
    '/public',
    express.static(path.join(root, 'public'), { maxAge: production ? '1d' : 0, index: false }),
  );
  app.get('/healthz', async (_req, res) => {
    try {
      await pool.query('SELECT 1');
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });
}

function useBodyParsers(app: Express): void {
  app.use(express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 200 }));
  app.use(express.json({ limit: '200kb' }));
  app.use(stripNul);
}

function useSession(app: Express, { config, db, pool }: AppContext, production: boolean): void {
  app.use(
    session({
      name: SESSION_COOKIE,
      store: new SessionStore(
        pool,
        {
          tableName: 'session',
          createTableIfMissing: false,
          disableTouch: true,
          pruneSessionInterval: config.NODE_ENV === 'test' ? false : 900,
        },
        referenceCacheOf(db),
      ),
      secret: config.sessionSecret,
      resave: false,
      saveUninitialized: false,
      // Not on every response: renewSession extends a session at most once a minute, and saving
      // it sends the cookie again with the new expiry. Signing and sending an unchanged cookie on
      // every page was work for nothing.
      rolling: false,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: production,
        maxAge: config.SESSION_IDLE_MINUTES * 60_000,
      },
    }),
  );
}

/** Who is signed in, then everything each page needs before its route runs. */
function useRequestContext(app: Express, ctx: AppContext): ReturnType<typeof configurePassport> {
  const { config, db, pool } = ctx;
  const auth = configurePassport(db, pool);
  // compat: false skips the `req._passport` object kept for strategies written for passport 0.4,
  // which this app has none of: one object less on every request.
  app.use(auth.initialize({ compat: false }));
  app.use(auth.session());
  app.use(viewerTimeZone(config.APP_TIME_ZONE));
  app.use(renewSession);
  app.use(noteSessionClient);
  app.use(redirectAfterSave);
  app.use('/customers/:id/photo', parsePhotoUpload);
  app.use(csrfProtection);
  app.use(exposeFlash);
  app.use(exposeNavigation);
  app.use(exposeUnread(db));
  return auth;
}

function mountModules(
  app: Express,
  ctx: AppContext,
  { auth, live }: { auth: ReturnType<typeof configurePassport>; live: LiveDesk },
): void {
  const { config, db } = ctx;
  app.use(authRouter(db, auth, config));
  app.use(secondStepRouter(db, config));
  app.use(requireTwoFactorEnrolment(config));
  app.use(homeRouter(ctx));
  app.use('/consultations', consultationsRouter(ctx));
  app.use('/interactions', interactionsRouter(ctx));
  app.use('/tickets', ticketsRouter(ctx));
  app.use('/escalations', escalationsRouter(ctx));
  app.use('/customers', customersRouter(ctx));
  app.use('/metrics', metricsRouter(ctx));
  app.use('/audit', auditRouter(ctx));
  app.use('/staff', staffRouter(ctx));
  app.use('/sla-targets', slaRouter(ctx));
  app.use(accountRouter(ctx));
  app.use('/canned-replies', cannedRepliesRouter(ctx));
  app.use('/follow-ups', followUpsRouter(ctx));
  app.use('/notifications', notificationsRouter(ctx));
  app.use('/presence', presenceRouter(ctx));
  app.use('/events', liveRouter(live, { streamMs: config.LIVE_STREAM_SECONDS * 1_000 }));
  app.use('/go', paletteRouter(ctx));
}

export function createApp(ctx: AppContext): Express {
  const production = ctx.config.NODE_ENV === 'production';
  const app = express();
  const live = liveDeskOf(ctx);
  app.locals.live = live;
  configureViews(app, ctx);
  useSecurityHeaders(app, production);
  useSessionlessRoutes(app, ctx, production);
  useBodyParsers(app);
  useSession(app, ctx, production);
  const auth = useRequestContext(app, ctx);
  mountModules(app, ctx, { auth, live });
  useErrorPages(app, ctx.config.showErrorDetails);
  return app;
}
