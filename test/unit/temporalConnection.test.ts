import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config';
import { temporalTarget } from '../../config/temporalConnection';

/** The Temporal connection from the SDK's environment configuration, beneath Settle's own settings. */
describe('temporalTarget', () => {
  const target = (env: Record<string, string>) =>
    temporalTarget(loadConfig(env, { owners: ['temporal'] }), {
      TEMPORAL_CONFIG_FILE: '/nonexistent',
      ...env,
    });

  it('is a local plaintext server when nothing is configured', () => {
    expect(target({})).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      connectionOptions: expect.objectContaining({
        address: 'localhost:7233',
        tls: undefined,
        apiKey: undefined,
      }),
    });
  });

  it('takes an API key (Temporal Cloud) with TLS on', () => {
    const cloud = target({
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'payments.a1b2c',
      TEMPORAL_API_KEY: 'key-1',
    });
    expect(cloud.namespace).toBe('payments.a1b2c');
    expect(cloud.connectionOptions).toMatchObject({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      apiKey: 'key-1',
      tls: true,
    });
  });

  it("reads a profile of the Temporal config file; Settle's settings win over it", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'settle-envconfig-')), 'temporal.toml');
    writeFileSync(
      file,
      '[profile.prod]\naddress = "temporal.internal:7233"\nnamespace = "settle"\n' +
        '[profile.prod.tls]\nserver_name = "temporal.internal"\n',
    );
    const prod = target({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
    expect(prod.address).toBe('temporal.internal:7233');
    expect(prod.namespace).toBe('settle');
    expect(prod.connectionOptions.tls).toMatchObject({ serverNameOverride: 'temporal.internal' });
    const overridden = target({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_ADDRESS: 'other:7233',
      TEMPORAL_NAMESPACE: 'payments',
    });
    expect([overridden.address, overridden.namespace]).toEqual(['other:7233', 'payments']);
  });
});
