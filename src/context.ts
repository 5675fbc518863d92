import type pg from 'pg';
import type { Config } from './config.js';
import type { Db } from './db/client.js';

/** What every module router is built from. */
export interface AppContext {
  db: Db;
  pool: pg.Pool;
  config: Config;
}
