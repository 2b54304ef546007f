import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig, localDefaults, settlementPolicies } from '../../config';
import { catalogueOf, settingsOf } from '../../config/catalogue';
import { doorSectionsOf, loadSettleConfig } from '../../oms';
import { createLogger } from '../../config/logger';
import { configError } from '../helpers/configError';
import { DEFAULT_PARAMETERS_FILE, parametersFileOf } from '../../config/parameters';
import { generatedFiles } from '../../config/reference';

/** Every setting's key in the parameters file, by its variable: the core's and the doors'. */
const PARAMETERS = Object.fromEntries(
  Object.entries(settingsOf(catalogueOf(doorSectionsOf()))).map(([name, { key }]) => [name, key]),
);

describe('configuration from the environment', () => {
  it('accepts the local defaults and fills in the rest', () => {
    const config = loadSettleConfig(localDefaults());
    expect(config.TEMPORAL_TASK_QUEUE).toBe('settle-payments');
    expect(config.API_PORT).toBe(3000);
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it('names every missing or malformed key, by parameters.yml key and variable, without the values', () => {
    const env = {
      ...localDefaults(),
      MIB_BASE_URL: 'not a url',
      GATEWAY_API_KEY: undefined,
      API_PORT: '99999',
    };
    const message = configError(() => loadSettleConfig(env));
    expect(message).toMatch(/service_bus\.base_url \(MIB_BASE_URL\): .*\(from the environment\)/);
    expect(message).toMatch(/gateway\.api_key \(GATEWAY_API_KEY\): required/);
    expect(message).toMatch(/api\.port \(API_PORT\): /);
    expect(message).not.toMatch(/local-gateway-webhook-secret|not a url/);
  });
});

describe('empty values', () => {
  // A Secret or an env file lists every variable, filled in or not: an empty one is one not set.
  const adyen = {
    DEFAULT_PROVIDER: 'adyen',
    ADYEN_API_KEY: 'adyen-test-api-key',
    ADYEN_MERCHANT_ACCOUNT: 'AcmeShop',
    ADYEN_HMAC_KEY: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
  };

  it('count as unset in the environment: a default applies, an optional setting stays off', () => {
    expect(loadConfig({ TEMPORAL_NAMESPACE: '' }, { owners: ['temporal'] }).TEMPORAL_NAMESPACE).toBe(
      'default',
    );
    // ADMIN_TOKEN empty turns the operator API off, as unset does, instead of failing its length check.
    expect(loadConfig({ ADMIN_TOKEN: '' }, { owners: ['operator'] })).toEqual({});
    // Adyen serving, Stripe's secrets listed but empty: Stripe is not checked.
    const config = loadConfig(
      { ...adyen, STRIPE_API_KEY: '', STRIPE_WEBHOOK_SECRET: '' },
      { owners: ['providers'] },
    );
    expect(config.DEFAULT_PROVIDER).toBe('adyen');
    expect(config.STRIPE_API_KEY).toBeUndefined();
  });

  it('count as missing where a setting is required, named as such', () => {
    const message = configError(() =>
      loadConfig({ ...adyen, ADYEN_API_KEY: '', STRIPE_API_KEY: '' }, { owners: ['providers'] }),
    );
    expect(message.split('\n').slice(1)).toEqual([
      '  adyen.api_key (ADYEN_API_KEY): required (adyen is the default provider (DEFAULT_PROVIDER))',
    ]);
  });

  it("in the environment leave the parameters file's value in force; empty in the file, unset", () => {
    const dir = mkdtempSync(join(tmpdir(), 'settle-config-'));
    try {
      const file = join(dir, 'parameters.yml');
      writeFileSync(file, "parameters:\n  temporal.namespace: payments\n  operator.token: ''\n");
      const config = loadConfig(
        { TEMPORAL_NAMESPACE: '', ADMIN_TOKEN: '' },
        { file, owners: ['temporal', 'operator'] },
      );
      expect(config.TEMPORAL_NAMESPACE).toBe('payments');
      expect(config).not.toHaveProperty('ADMIN_TOKEN');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loading the parts a process uses', () => {
  it('needs and checks only the settings of those parts', () => {
    const config = loadSettleConfig(
      { TEMPORAL_ADDRESS: 'temporal.internal:7233', API_PORT: 'not a port', MIB_BASE_URL: 'nope' },
      { owners: ['temporal'] },
    );
    expect(config).toEqual({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'settle-payments',
      PAYLOAD_REQUIRE_ENCRYPTION: false,
    });
    expect(
      configError(() => loadConfig({ PAYLOAD_REQUIRE_ENCRYPTION: 'maybe' }, { owners: ['temporal'] })),
    ).toBe(
      'invalid configuration:\n  temporal.payload_require_encryption (PAYLOAD_REQUIRE_ENCRYPTION): must be true or false (from the environment)',
    );
  });

  it('refuses a Spryker app identifier a shop cannot store (its column holds 36 characters)', () => {
    expect(
      configError(() =>
        loadSettleConfig({ SPRYKER_APP_IDENTIFIER: 'x'.repeat(37) }, { owners: ['spryker'] }),
      ),
    ).toBe(
      'invalid configuration:\n  spryker.app_identifier (SPRYKER_APP_IDENTIFIER): at most 36 characters: a shop stores it in a column of 36 (from the environment)',
    );
  });

  it("brings each provider's settings with the providers, and the rule of which serve payments", () => {
    const message = configError(() => loadSettleConfig({}, { owners: ['providers'] }));
    expect(message.split('\n').slice(1)).toEqual([
      '  gateway.url (GATEWAY_URL): required (gateway is the default provider (DEFAULT_PROVIDER))',
      '  gateway.api_key (GATEWAY_API_KEY): required (gateway is the default provider (DEFAULT_PROVIDER))',
      '  gateway.webhook_secret (GATEWAY_WEBHOOK_SECRET): required (gateway is the default provider (DEFAULT_PROVIDER))',
    ]);
    const { GATEWAY_URL, GATEWAY_API_KEY, GATEWAY_WEBHOOK_SECRET } = localDefaults();
    const gateway = { GATEWAY_URL, GATEWAY_API_KEY, GATEWAY_WEBHOOK_SECRET };
    expect(loadSettleConfig(gateway, { owners: ['providers'] })).toEqual({
      ...gateway,
      DEFAULT_PROVIDER: 'gateway',
    });
  });

  it("loads a door's section with `doors` or the door's owner, and only the doors it is given", () => {
    const mib = { ...localDefaults(), MIB_BASE_URL: 'nope' };
    expect(configError(() => loadSettleConfig(mib, { owners: ['temporal', 'doors'] }))).toMatch(
      /service_bus\.base_url \(MIB_BASE_URL\)/,
    );
    expect(configError(() => loadSettleConfig(mib, { owners: ['temporal', 'mib'] }))).toMatch(
      /service_bus\.base_url \(MIB_BASE_URL\)/,
    );
    // Without the doors' sections the core knows nothing of theirs: the value is not read at all.
    expect(loadConfig(mib, { owners: ['temporal', 'doors'] })).not.toHaveProperty('MIB_BASE_URL');
  });

  it('names in the local defaults only settings of the core or of a door', () => {
    const known = settingsOf(catalogueOf(doorSectionsOf()));
    expect(Object.keys(localDefaults()).filter((name) => !(name in known))).toEqual([]);
  });

  it('still refuses a parameters file with an unknown key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'settle-config-'));
    try {
      const file = join(dir, 'parameters.yml');
      writeFileSync(file, 'parameters:\n  mom_client: acme\n  temporal.adress: x\n');
      expect(configError(() => loadSettleConfig({}, { file, owners: ['temporal'] }))).toMatch(
        /unknown key "temporal\.adress"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('configuration from config/parameters.yml', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'settle-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (text: string, name = 'parameters.yml') => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const complete = `parameters:
  service_bus.endpoint_name: acme-payments
  mom_client: acme-client
  service_bus.secret: "mib-secret-1"
  service_bus.base_url: https://mib.example.com/
  service_bus.token_url: https://mib.example.com/oauth/token
  service_bus.intake_secret: intake-secret-1
  service_bus.register_every: 12h
  settle.public_url: https://settle.example.com
  checkout.page_key: checkout-page-key-of-32-characters
  temporal.address: temporal.internal:7233
  temporal.namespace: payments
  temporal.task_queue: acme-queue
  api.port: 8080
  gateway.url: https://gateway.example.com
  gateway.api_key: 12345678
  gateway.webhook_secret: webhook-secret-1
  settlement.poll_schedule: 30s,2m,1h
  settlement.deadlines: capture=3d,refund=30d
  settlement.report_deadline: 2h
  operator.token: operator-token-1
  worker.shutdown_grace: 45s
  worker.provider_retry_limit: 5d
  metrics.port: 9464
  log.level: warn
`;

  it("reads the seed's keys and every other setting from the file", () => {
    const config = loadSettleConfig({}, { file: write(complete) });
    expect(config).toEqual({
      SERVICE_BUS_ENDPOINT_NAME: 'acme-payments',
      MOM_CLIENT: 'acme-client',
      SERVICE_BUS_SECRET: 'mib-secret-1',
      MIB_BASE_URL: 'https://mib.example.com',
      MIB_TOKEN_URL: 'https://mib.example.com/oauth/token',
      MIB_ALLOW_PLAIN_HTTP: false,
      MIB_INTAKE_SECRET: 'intake-secret-1',
      MIB_REGISTER_EVERY: '12h',
      PUBLIC_URL: 'https://settle.example.com',
      CHECKOUT_PAGE_KEY: 'checkout-page-key-of-32-characters',
      CHECKOUT_PAGE_TTL: '30m',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'payments',
      TEMPORAL_TASK_QUEUE: 'acme-queue',
      WORKER_SHUTDOWN_GRACE: '45s',
      WORKER_PROVIDER_RETRY_LIMIT: '5d',
      API_PORT: 8080,
      TRUST_PROXY: false,
      GATEWAY_URL: 'https://gateway.example.com',
      // A value YAML reads as a number stays the text that was written.
      GATEWAY_API_KEY: '12345678',
      GATEWAY_WEBHOOK_SECRET: 'webhook-secret-1',
      SETTLEMENT_POLL_SCHEDULE: '30s,2m,1h',
      SPRYKER_ANNOUNCE_EVERY: '24h',
      SPRYKER_APP_AUDIENCE: 'aop-app',
      SPRYKER_APP_IDENTIFIER: 'settle',
      SPRYKER_BUS_AUDIENCE: 'aop-event-platform',
      SPRYKER_CHECKOUT_WAIT: '20s',
      SPRYKER_JWKS_REFRESH: '30s',
      SPRYKER_JWT_CLOCK_SKEW: '60s',
      SPRYKER_JWT_TENANT_CLAIM: 'tenant_identifier',
      SPRYKER_PAYMENT_METHODS: { 'Settle Card': 'gateway' },
      SETTLEMENT_DEADLINES: 'capture=3d,refund=30d',
      SETTLEMENT_REPORT_DEADLINE: '2h',
      ADMIN_TOKEN: 'operator-token-1',
      CODEC_ALLOW_ANONYMOUS: false,
      CODEC_PORT: 3001,
      CODEC_HOST: '127.0.0.1',
      PAYLOAD_REQUIRE_ENCRYPTION: false,
      METRICS_PORT: 9464,
      DEFAULT_PROVIDER: 'gateway',
      DEITY_BASE_PATH: '/api',
      DEITY_VALIDATE_WAIT: '20s',
      LOG_LEVEL: 'warn',
    });
    // Each command's settlement policy: the schedule, and its deadline over the defaults.
    const policy = settlementPolicies(config);
    expect(policy('capture', true)).toEqual({
      pollScheduleMs: [30_000, 120_000, 3_600_000],
      statusApi: true,
      deadlineMs: 3 * 86_400_000,
      reportDeadlineMs: 2 * 3_600_000,
    });
    expect(policy('cancel', false)).toMatchObject({ statusApi: false, deadlineMs: 2 * 86_400_000 });
  });

  it.each([
    [
      'settlement.poll_schedule',
      '1m,,5m',
      /settlement\.poll_schedule \(SETTLEMENT_POLL_SCHEDULE\): .*durations/,
    ],
    [
      'settlement.poll_schedule',
      '5 minutes',
      /settlement\.poll_schedule \(SETTLEMENT_POLL_SCHEDULE\): .*duration/,
    ],
    ['settlement.deadlines', 'capture=soon', /settlement\.deadlines \(SETTLEMENT_DEADLINES\): .*duration/],
    [
      'settlement.deadlines',
      'shipping=2d',
      /settlement\.deadlines \(SETTLEMENT_DEADLINES\): .*<command>=<duration>/,
    ],
  ])('stops on a malformed %s (%s), naming the key', (key, value, message) => {
    const file = write(complete.replace(new RegExp(`${key.replace('.', '\\.')}: .*`), `${key}: "${value}"`));
    expect(() => loadSettleConfig({}, { file })).toThrow(message);
  });

  it('keeps a value that YAML would read as another number as it was written', () => {
    const file = write(complete.replace('gateway.api_key: 12345678', 'gateway.api_key: 1e100000'));
    expect(loadSettleConfig({}, { file }).GATEWAY_API_KEY).toBe('1e100000');
  });

  it('lets environment variables win over the file', () => {
    const file = write(complete);
    const config = loadSettleConfig({ MOM_CLIENT: 'from-env', API_PORT: '9090', PATH: '/bin' }, { file });
    expect(config.MOM_CLIENT).toBe('from-env');
    expect(config.API_PORT).toBe(9090);
    expect(config.SERVICE_BUS_SECRET).toBe('mib-secret-1');
  });

  it('names a missing key, and treats an empty or ~ value as unset', () => {
    const file = write(
      complete
        .replace('mom_client: acme-client', 'mom_client: ~')
        .replace(/ {2}gateway\.url: .*\n/, '')
        .replace('log.level: warn', 'log.level:'),
    );
    const message = configError(() => loadSettleConfig({}, { file }));
    expect(message).toMatch(/^ {2}mom_client \(MOM_CLIENT\): required$/m);
    expect(message).toMatch(
      /^ {2}gateway\.url \(GATEWAY_URL\): required \(gateway is the default provider \(DEFAULT_PROVIDER\)\)$/m,
    );
    expect(message.split('\n')).toHaveLength(3);
  });

  it('names a malformed value, where it came from, and not the value', () => {
    const file = write(complete.replace('service_bus.secret: "mib-secret-1"', 'service_bus.secret: short'));
    const message = configError(() => loadSettleConfig({ LOG_LEVEL: 'loud' }, { file }));
    expect(message).toContain(
      `service_bus.secret (SERVICE_BUS_SECRET): must be at least 8 characters (from ${file})`,
    );
    expect(message).toMatch(/log\.level \(LOG_LEVEL\): .*\(from the environment\)/);
    expect(message).not.toMatch(/short|loud/);
  });

  it('refuses malformed YAML, naming the file and the line', () => {
    const file = write('parameters:\n  mom_client: [unclosed\n  service_bus.secret: x\n');
    expect(configError(() => loadSettleConfig({}, { file }))).toMatch(
      new RegExp(`^invalid configuration file ${file}: not valid YAML: .*line 3`, 's'),
    );
    const duplicate = write('parameters:\n  mom_client: a\n  mom_client: b\n', 'duplicate.yml');
    expect(configError(() => loadSettleConfig({}, { file: duplicate }))).toMatch(
      /not valid YAML: Map keys must be unique/,
    );
  });

  it('refuses an unknown key, a nested mapping and another top-level key, naming them', () => {
    const unknown = write(`${complete}  service_bus.secrett: typo-of-a-key\n`);
    expect(configError(() => loadSettleConfig({}, { file: unknown }))).toBe(
      `invalid configuration file ${unknown}: unknown key "service_bus.secrett"; config/parameters.yml.dist lists every key`,
    );
    const nested = write('parameters:\n  service_bus:\n    secret: local-mib-secret\n', 'nested.yml');
    expect(configError(() => loadSettleConfig({}, { file: nested }))).toMatch(/unknown key "service_bus"/);
    const list = write('parameters:\n  mom_client: [a, b]\n', 'list.yml');
    expect(configError(() => loadSettleConfig({}, { file: list }))).toMatch(
      /mom_client \(MOM_CLIENT\) must be a single value/,
    );
    const services = write('services:\n  foo: bar\n', 'services.yml');
    expect(configError(() => loadSettleConfig({}, { file: services }))).toMatch(
      /unknown top-level key "services"/,
    );
    const scalar = write('just text\n', 'scalar.yml');
    expect(configError(() => loadSettleConfig({}, { file: scalar }))).toMatch(
      /expected a mapping with the key "parameters"/,
    );
  });

  it('refuses an explicitly named file that does not exist', () => {
    const missing = join(dir, 'nope.yml');
    expect(configError(() => loadSettleConfig(localDefaults(), { file: missing }))).toBe(
      `configuration file ${missing} does not exist`,
    );
  });

  it('takes an empty file as one that sets nothing', () => {
    const file = write('# nothing yet\n');
    expect(loadSettleConfig(localDefaults(), { file })).toEqual(loadSettleConfig(localDefaults()));
  });

  it('finds the file a process reads: SETTLE_CONFIG_FILE, else config/parameters.yml if present, else none', () => {
    expect(DEFAULT_PARAMETERS_FILE).toBe(join(__dirname, '..', '..', 'config', 'parameters.yml'));
    const present = write(complete);
    expect(parametersFileOf({ SETTLE_CONFIG_FILE: present }, join(dir, 'absent.yml'))).toBe(present);
    // Named but missing: still chosen, so that reading it fails loudly instead of silently reading nothing.
    expect(parametersFileOf({ SETTLE_CONFIG_FILE: join(dir, 'gone.yml') })).toBe(join(dir, 'gone.yml'));
    expect(parametersFileOf({}, present)).toBe(present);
    expect(parametersFileOf({}, join(dir, 'absent.yml'))).toBeNull();
  });

  it("reads the process's file and environment when called without arguments", () => {
    const saved = { ...process.env };
    try {
      for (const variable of Object.keys(PARAMETERS)) delete process.env[variable];
      process.env.SETTLE_CONFIG_FILE = write(complete);
      process.env.LOG_LEVEL = 'error';
      expect(loadSettleConfig()).toMatchObject({ MOM_CLIENT: 'acme-client', LOG_LEVEL: 'error' });
      process.env.SETTLE_CONFIG_FILE = join(dir, 'gone.yml');
      expect(configError(() => loadSettleConfig())).toBe(
        `configuration file ${join(dir, 'gone.yml')} does not exist`,
      );
    } finally {
      process.env = saved;
    }
  });

  it('reads no parameters file when called with an explicit environment, unless one is named', () => {
    // Even with SETTLE_CONFIG_FILE in that environment: the local stack and the tests stay hermetic.
    const file = write(complete);
    expect(loadSettleConfig({ ...localDefaults(), SETTLE_CONFIG_FILE: file }).MOM_CLIENT).toBe(
      'settle-local',
    );
  });
});

describe('config/parameters.yml.dist', () => {
  const dist = join(__dirname, '..', '..', 'config', 'parameters.yml.dist');

  it('and docs/configuration.md are as the declarations make them (npm run docs:config)', () => {
    for (const { file, text } of generatedFiles(doorSectionsOf())) {
      expect({ file, text: readFileSync(file, 'utf8') }).toEqual({ file, text });
    }
  });

  it('documents every key, each with its variable, and nothing else', () => {
    const text = readFileSync(dist, 'utf8');
    const { parameters } = parse(text) as { parameters: Record<string, unknown> };
    expect(Object.keys(parameters).sort()).toEqual(Object.values(PARAMETERS).sort());
    for (const [variable, key] of Object.entries(PARAMETERS)) {
      const comment = text
        .slice(0, text.indexOf(`  ${key}:`))
        .split('\n\n')
        .at(-1)!;
      expect({ key, comment }).toEqual({ key, comment: expect.stringContaining(`Env ${variable}.`) });
    }
  });

  it('as copied, stops start-up naming each required key, and runs once they are set', () => {
    const message = configError(() => loadSettleConfig({}, { file: dist }));
    for (const key of [
      'mom_client',
      'service_bus.secret',
      'service_bus.base_url',
      'service_bus.token_url',
      'service_bus.intake_secret',
      'gateway.url',
      'gateway.api_key',
      'gateway.webhook_secret',
    ]) {
      expect(message).toContain(`  ${key} (`);
    }
    expect(loadSettleConfig(localDefaults(), { file: dist }).MIB_REGISTER_EVERY).toBe('24h');
  });
});

describe('secrets of structured settings', () => {
  it('masks every token, key and password in what is logged, also once parsed into records and lists', () => {
    const env = {
      ...localDefaults(),
      SPRYKER_TENANTS: 'shop-one=spryker-token-of-shop-one,constructor=spryker-token-of-shop-two',
      DEITY_PROFILES: JSON.stringify([
        { serviceUser: 'org:shop:prod', serviceToken: 'deity-service-token-one', methods: [] },
        { serviceUser: 'org:shop:test', serviceToken: 'deity-service-token-two', methods: [] },
      ]),
      AMQP_URL: 'amqp://settle:rabbit-password-1@broker.example:5672/shop',
    };
    const config = loadSettleConfig(env);
    expect(config.SPRYKER_TENANTS).toEqual({
      'shop-one': 'spryker-token-of-shop-one',
      constructor: 'spryker-token-of-shop-two',
    });
    const written: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const logger = createLogger('test');
      logger.info('the configuration', { config });
      logger.error('a library error', {
        error: new Error(`connect failed: ${String(config.AMQP_URL)} (rabbit-password-1)`),
        tokens: Object.values(config.SPRYKER_TENANTS ?? {}).join(' '),
        profiles: JSON.stringify(config.DEITY_PROFILES),
      });
      logger.info('a profile', { serviceUser: config.DEITY_PROFILES?.[0]?.serviceUser });
    } finally {
      write.mockRestore();
    }
    const logged = written.join('');
    expect(logged).toContain('the configuration');
    for (const secret of [
      'spryker-token-of-shop-one',
      'spryker-token-of-shop-two',
      'deity-service-token-one',
      'deity-service-token-two',
      'rabbit-password-1',
      env.MIB_INTAKE_SECRET,
      env.ADMIN_TOKEN,
    ])
      expect(logged).not.toContain(secret);
    // What is no secret stays readable: the tenants and the profiles' service users.
    expect(logged).toContain('shop-one');
    expect(logged).toContain('org:shop:prod');
  });
});

describe('Deity profiles', () => {
  const profiles = (serviceUser: string) =>
    JSON.stringify([{ serviceUser, serviceToken: 'deity-service-token-one', methods: [] }]);

  it.each([
    ['org.name:shop:prod', '"."'],
    ['org:shop*:prod', '"*"'],
    ['org:shop#:prod', '"#"'],
    [`org:${'s'.repeat(200)}:prod`, 'at most 200'],
  ])(
    'refuses a service user its events could not be routed by (%s), naming it and the rule',
    (user, rule) => {
      const message = configError(() =>
        loadSettleConfig({ ...localDefaults(), DEITY_PROFILES: profiles(user) }),
      );
      expect(message).toContain(`deity.profiles (DEITY_PROFILES): profile "${user.slice(0, 80)}`);
      expect(message).toContain('serviceUser');
      expect(message).toContain(rule);
      expect(message).not.toContain('deity-service-token-one');
    },
  );

  it('takes a service user of letters, digits, _ and -', () => {
    const config = loadSettleConfig({ ...localDefaults(), DEITY_PROFILES: profiles('org_1:shop-2:prod') });
    expect(config.DEITY_PROFILES?.[0]?.serviceUser).toBe('org_1:shop-2:prod');
  });

  it('names the profile whose token is too short, without the token', () => {
    const message = configError(() =>
      loadSettleConfig({
        ...localDefaults(),
        DEITY_PROFILES: JSON.stringify([
          { serviceUser: 'org:shop:prod', serviceToken: 'short-1', methods: [] },
        ]),
      }),
    );
    expect(message).toContain('profile "org:shop:prod": serviceToken: at least 16 characters');
    expect(message).not.toContain('short-1');
  });
});

describe('TRUST_PROXY', () => {
  const trustProxy = (value: string) =>
    loadSettleConfig({ ...localDefaults(), TRUST_PROXY: value }).TRUST_PROXY;

  it('takes false, a number of proxies, or their addresses and subnets', () => {
    expect(loadSettleConfig(localDefaults()).TRUST_PROXY).toBe(false);
    expect(trustProxy('false')).toBe(false);
    expect(trustProxy('1')).toBe(1);
    expect(trustProxy('10.0.0.0/8, loopback,fd00::/8,192.0.2.7')).toEqual([
      '10.0.0.0/8',
      'loopback',
      'fd00::/8',
      '192.0.2.7',
    ]);
  });

  it.each([
    ['true', 'true would take any X-Forwarded-For'],
    ['0', 'between 1 and 10'],
    ['10.0.0.0/33', '"10.0.0.0/33" is neither'],
    ['ingress.example', '"ingress.example" is neither'],
  ])('refuses %s, saying why', (value, why) => {
    const message = configError(() => trustProxy(value));
    expect(message).toContain('api.trust_proxy (TRUST_PROXY): ');
    expect(message).toContain(why);
  });
});
