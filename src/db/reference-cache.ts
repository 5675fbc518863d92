import type { Db } from './client.js';

/**
 * Small lists nearly every page shows (the active staff, the saved replies), kept per instance and
 * per database. The database keeps a counter that every change to those lists' tables bumps
 * (migration 20261202190000_reference_stamp); each request's session read brings it along and hands
 * it to `observe`, so a page is never built from lists older than the counter its own request saw.
 *
 * Until a counter has been seen (a script, a service test), every read goes to the database.
 */
export class ReferenceCache {
  private stamp: bigint | null = null;
  private readonly entries = new Map<string, { stamp: bigint; value: Promise<unknown> }>();

  /** A counter read by a request. Counters only grow, so an older one arriving late is ignored. */
  observe(stamp: bigint): void {
    if (this.stamp !== null && stamp <= this.stamp) return;
    this.stamp = stamp;
    this.entries.clear();
  }

  /**
   * The cached value, or a fresh load. A load is kept under the counter seen before it started:
   * its rows are at least that new, and any request that sees a newer counter drops it.
   */
  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const stamp = this.stamp;
    if (stamp === null) return load();
    const found = this.entries.get(key);
    if (found && found.stamp === stamp) return found.value as Promise<T>;
    const value = load();
    this.entries.set(key, { stamp, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}

const caches = new WeakMap<Db, ReferenceCache>();

/** The cache of lists read through this database client. */
export function referenceCacheOf(db: Db): ReferenceCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = new ReferenceCache();
    caches.set(db, cache);
  }
  return cache;
}
