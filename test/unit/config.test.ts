import { ConfigError, loadConfig, localDefaults } from '../../config';

describe('configuration', () => {
  it('accepts the local defaults and fills in the rest', () => {
    const config = loadConfig(localDefaults());
    expect(config.TEMPORAL_TASK_QUEUE).toBe('settle-payments');
    expect(config.API_PORT).toBe(3000);
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it('names every missing or malformed key', () => {
    const env = {
      ...localDefaults(),
      MIB_BASE_URL: 'not a url',
      GATEWAY_API_KEY: undefined,
      API_PORT: '99999',
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    let message = '';
    try {
      loadConfig(env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/MIB_BASE_URL/);
    expect(message).toMatch(/GATEWAY_API_KEY/);
    expect(message).toMatch(/API_PORT/);
    expect(message).not.toMatch(/local-gateway-webhook-secret/);
  });
});
