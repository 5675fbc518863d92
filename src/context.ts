import type pg from 'pg';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import type { LiveDesk } from './modules/live/hub.js';

/** What every module router is built from. */
export interface AppContext {
  db: Db;
  pool: pg.Pool;
  config: Config;
  /** The instance's event fan-out; built by createApp when not given. */
  live?: LiveDesk;
}
