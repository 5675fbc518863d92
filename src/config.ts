import path from 'node:path';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';
import { StartupError } from './errors.js';
import { isTimeZone } from './lib/time.js';

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must start with postgresql://');

/**
 * Express's `trust proxy` forms: a hop count, or the proxies' addresses/subnets (and the names
 * loopback, linklocal, uniquelocal). A bare `true` would trust whatever X-Forwarded-For a client
 * sends, so it is refused.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((value, ctx): false | number | string[] => {
    if (['', 'false', '0'].includes(value.toLowerCase())) return false;
    if (/^\d+$/.test(value)) return Number(value);
    const addresses = value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    try {
      if (value.toLowerCase() === 'true') throw new Error('too broad');
      proxyAddr.compile(addresses);
      return addresses;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be a hop count (e.g. 1) or the proxy addresses (e.g. loopback, 10.0.0.0/8), not true',
      });
      return z.NEVER;
    }
  });

const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: postgresUrl.optional(),
  DATA_DIR: z.string().default(path.resolve('data')),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(30),
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  LOGIN_LOCK_MINUTES: z.coerce.number().int().positive().default(15),
  MEDICAL_REVEAL_MINUTES: z.coerce.number().int().positive().default(60),
  ESCALATION_ACCESS_DAYS: z.coerce.number().int().min(0).default(30),
  ESCALATION_STALE_HOURS: z.coerce.number().positive().default(4),
  SEED_DEMO: z.enum(['auto', 'true', 'never', 'false']).default('auto'),
  TRUST_PROXY: trustProxy.default(false),
  DB_POOL_SIZE: z.coerce.number().int().positive().default(10),
  // Comma-separated roles that must sign in with a second factor; empty for none.
  MFA_REQUIRED_ROLES: z
    .string()
    .default('admin,doctor')
    .transform((value) =>
      value
        .split(',')
        .map((role) => role.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.enum(['agent', 'supervisor', 'admin', 'doctor'], {
          error: 'must list roles among agent, supervisor, admin, doctor',
        }),
      ),
    ),
  LIVE_HEARTBEAT_SECONDS: z.coerce.number().positive().max(25).default(20),
  LIVE_RETENTION_MINUTES: z.coerce.number().int().min(10).default(15),
  LIVE_STREAM_SECONDS: z.coerce.number().positive().default(900),
  PRESENCE_TTL_SECONDS: z.coerce.number().int().min(5).max(25).default(20),
  APP_TIME_ZONE: z
    .string()
    .trim()
    .default('UTC')
    .refine(isTimeZone, 'must be an IANA time zone name such as Africa/Lagos'),
});

type ParsedConfig = z.infer<typeof configSchema>;

export type Config = Omit<ParsedConfig, 'NODE_ENV'> & {
  /** The mode; development when NODE_ENV is unset. */
  NODE_ENV: NonNullable<ParsedConfig['NODE_ENV']>;
  sessionSecret: string;
  /** Error pages show stack traces only when NODE_ENV=development was set explicitly. */
  showErrorDetails: boolean;
  /** DATA_DIR was set rather than defaulted: it is used as given, never relocated. */
  dataDirChosen: boolean;
};

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  fallbackSecret?: () => string,
): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StartupError(
      `Invalid configuration: ${issue.path.join('.')} ${issue.message}. See .env.example.`,
    );
  }
  const config = { ...parsed.data, NODE_ENV: parsed.data.NODE_ENV ?? 'development' };
  if (config.NODE_ENV === 'production' && !config.SESSION_SECRET) {
    throw new StartupError(
      'Invalid configuration: SESSION_SECRET is required in production. See .env.example.',
    );
  }
  const sessionSecret =
    config.SESSION_SECRET ?? fallbackSecret?.() ?? 'caredesk-development-secret-not-for-production';
  return {
    ...config,
    sessionSecret,
    showErrorDetails: parsed.data.NODE_ENV === 'development',
    dataDirChosen: Boolean(env.DATA_DIR),
  };
}
