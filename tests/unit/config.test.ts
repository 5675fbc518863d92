import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { StartupError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('when nothing is set, then the defaults apply', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.NODE_ENV).toBe('development');
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('when DATABASE_URL is not PostgreSQL, then it is rejected with one clear message', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(StartupError);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(
      /DATABASE_URL must start with postgresql:\/\//,
    );
  });

  it('when PORT is not a number, then it is rejected', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });

  it('when in production, then a session secret is required', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET/);
    expect(
      loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) }).sessionSecret,
    ).toBe('x'.repeat(40));
  });
});

describe('TRUST_PROXY', () => {
  it("when set in an Express form (off, a hop count, or the proxies' addresses), then it is taken", () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
  });

  it('when set to true or to something that is not an address, then start-up stops with one line', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY must be a hop count/);
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY/);
  });
});

describe('safe defaults', () => {
  it('when NODE_ENV is unset, then the mode is development but error pages hide details', () => {
    const config = loadConfig({});
    expect(config.NODE_ENV).toBe('development');
    expect(config.showErrorDetails).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).showErrorDetails).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).showErrorDetails).toBe(false);
  });
});

describe('APP_TIME_ZONE', () => {
  it('when unset, then times follow UTC', () => {
    expect(loadConfig({}).APP_TIME_ZONE).toBe('UTC');
  });

  it('when an IANA name is given, then it is kept', () => {
    expect(loadConfig({ APP_TIME_ZONE: 'Africa/Lagos' }).APP_TIME_ZONE).toBe('Africa/Lagos');
  });

  it('when the name is not a time zone, then start-up stops with one line naming the setting', () => {
    expect(() => loadConfig({ APP_TIME_ZONE: 'Lagos' })).toThrow(StartupError);
    expect(() => loadConfig({ APP_TIME_ZONE: 'Mars/Olympus' })).toThrow(
      /^Invalid configuration: APP_TIME_ZONE must be an IANA time zone name/,
    );
  });
});
