import { describe, expect, it } from 'vitest';
import { ConfigError, resolveServerConfig } from '../../src/server/server-config.js';
import { ISSUER } from '../support/server-fixture.js';

describe('server settings', () => {
  it('refuses a Redis URL of another scheme without printing it (it may hold a password)', () => {
    const resolve = (): unknown =>
      resolveServerConfig({ port: '0', issuer: ISSUER, redis: 'http://:hunter2@cache:6379' }, {});
    expect(resolve).toThrow(ConfigError);
    expect(resolve).toThrow(
      /--redis \(TESSERA_REDIS_URL\) must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    let message = '';
    try {
      resolve();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('hunter2');
  });

  it('accepts redis:// and rediss:// URLs', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://user:secret@cache.internal:6380/2']) {
      expect(resolveServerConfig({ port: '0', issuer: ISSUER, redis: url }, {}).redis).toBe(url);
    }
  });
});
