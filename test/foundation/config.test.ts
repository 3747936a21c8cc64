import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/frugal');
    expect(config.queuePrefix).toBe('frugal');
    expect(config.simUrl).toBeUndefined();
    expect(config.localUrl).toBeUndefined();
    expect(config.keys).toEqual({ groq: undefined, openai: undefined, anthropic: undefined, gemini: undefined });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ OPENAI_API_KEY: '', FRUGAL_SIM_URL: '  ' }).keys.openai).toBeUndefined();
  });

  it('names the variable and the expected form for a bad value', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://localhost:6379' })).toThrow(/REDIS_URL has protocol "http:" but must be redis: or rediss:/);
    expect(() => loadConfig({ FRUGAL_SIM_URL: 'not a url' })).toThrow(/FRUGAL_SIM_URL is not a URL/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://127.0.0.1:5432' })).toThrow(/DATABASE_URL names no database/);
  });

  it('never repeats a secret value in its error', () => {
    const secret = 'https://hooks.example/T000/B000/very-secret';
    let message = '';
    try {
      loadConfig({ FRUGAL_ALERT_WEBHOOK: secret.replace('https', 'ftp') });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/FRUGAL_ALERT_WEBHOOK/);
    expect(message).not.toMatch(/very-secret/);
  });
});
