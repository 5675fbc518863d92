import { describe, expect, it } from 'vitest';
import { ReferenceCache } from '../../src/db/reference-cache.js';

function countingLoader() {
  let loads = 0;
  return {
    load: async () => {
      loads += 1;
      return `load ${loads}`;
    },
    get loads() {
      return loads;
    },
  };
}

describe('the reference cache', () => {
  it('when no request has brought a counter yet, then every read goes to the database', async () => {
    const cache = new ReferenceCache();
    const loader = countingLoader();
    await cache.get('staff', loader.load);
    await cache.get('staff', loader.load);
    expect(loader.loads).toBe(2);
  });

  it('when the counter stays the same, then the list is read once; a new counter reads it again', async () => {
    const cache = new ReferenceCache();
    const loader = countingLoader();
    cache.observe(1n);
    expect(await cache.get('staff', loader.load)).toBe('load 1');
    expect(await cache.get('staff', loader.load)).toBe('load 1');
    cache.observe(2n);
    expect(await cache.get('staff', loader.load)).toBe('load 2');
    expect(loader.loads).toBe(2);
  });

  it('when an older counter arrives after a newer one, then it changes nothing', async () => {
    const cache = new ReferenceCache();
    const loader = countingLoader();
    cache.observe(5n);
    await cache.get('staff', loader.load);
    cache.observe(4n);
    cache.observe(5n);
    expect(await cache.get('staff', loader.load)).toBe('load 1');
  });

  it('when a load started under one counter and a newer counter arrived, then the next read reloads', async () => {
    const cache = new ReferenceCache();
    let release!: (value: string) => void;
    cache.observe(1n);
    const slow = cache.get('staff', () => new Promise<string>((resolve) => (release = resolve)));
    cache.observe(2n);
    release('read before the change');
    expect(await slow).toBe('read before the change');
    expect(await cache.get('staff', async () => 'read after the change')).toBe(
      'read after the change',
    );
  });

  it('when a load fails, then it is not kept and the next read tries again', async () => {
    const cache = new ReferenceCache();
    cache.observe(1n);
    await expect(cache.get('staff', () => Promise.reject(new Error('down')))).rejects.toThrow();
    expect(await cache.get('staff', async () => 'back')).toBe('back');
  });

  it('when two lists are cached, then each keeps its own value', async () => {
    const cache = new ReferenceCache();
    cache.observe(1n);
    await cache.get('staff', async () => 'people');
    await cache.get('replies', async () => 'texts');
    expect(await cache.get('staff', async () => 'other')).toBe('people');
    expect(await cache.get('replies', async () => 'other')).toBe('texts');
  });
});
