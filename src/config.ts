import path from 'node:path';
import { z } from 'zod';
import { StartupError } from './errors.js';
import { isTimeZone } from './lib/time.js';

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must start with postgresql://');

const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: postgresUrl.optional(),
  DATA_DIR: z.string().default(path.resolve('data')),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(30),
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  LOGIN_LOCK_MINUTES: z.coerce.number().int().positive().default(15),
  MEDICAL_REVEAL_MINUTES: z.coerce.number().int().positive().default(60),
  ESCALATION_STALE_HOURS: z.coerce.number().positive().default(4),
  SEED_DEMO: z.enum(['auto', 'never']).default('auto'),
  TRUST_PROXY: z.stringbool().default(false),
  DB_POOL_SIZE: z.coerce.number().int().positive().default(10),
  APP_TIME_ZONE: z.string().trim().default('UTC').refine(isTimeZone, 'must be an IANA time zone name such as Africa/Lagos'),
});

export type Config = z.infer<typeof configSchema> & { sessionSecret: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env, fallbackSecret?: () => string): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StartupError(`Invalid configuration: ${issue.path.join('.')} ${issue.message}. See .env.example.`);
  }
  const config = parsed.data;
  if (config.NODE_ENV === 'production' && !config.SESSION_SECRET) {
    throw new StartupError('Invalid configuration: SESSION_SECRET is required in production. See .env.example.');
  }
  const sessionSecret = config.SESSION_SECRET ?? fallbackSecret?.() ?? 'caredesk-development-secret-not-for-production';
  return { ...config, sessionSecret };
}
