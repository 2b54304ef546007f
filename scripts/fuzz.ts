import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LOCAL_DEITY_PROFILE, LOCAL_SPRYKER_TENANT, LOCAL_SPRYKER_TOKEN } from '../config';
import type { SettleConfigWithDoors } from '../oms';
import { PROJECT_ROOT } from '../config/projectRoot';
import { installRuntime } from '../worker/runtime';
import { createDevServerEnv } from './ephemeralTemporal';
import { startStack } from './stack';

/**
 * `npm run test:fuzz`: Schemathesis against the API's own `/openapi.json`. It starts the local stack (a
 * headless Temporal dev server in memory, the simulators, the worker and the API with the local settings, their
 * Spryker tenant and Deity profile included), then generates requests for every operation from the document,
 * valid and invalid, each with the credentials its security scheme names, and checks every answer: no 5xx, a
 * status the document lists, its content type and its schema. It exits with Schemathesis's status, after its
 * report. Arguments go to `schemathesis run` (`npm run test:fuzz -- --seed 1234` repeats a run).
 *
 * Schemathesis lives in a virtualenv under .cache/fuzz-venv (or SETTLE_FUZZ_VENV), created with python3 and pip
 * on first use and kept; it runs in the virtualenv's run/ folder, so a relative report path lands there.
 */

const SCHEMATHESIS_VERSION = '4.32.5';
const VENV = resolve(process.env.SETTLE_FUZZ_VENV ?? join(PROJECT_ROOT, '.cache', 'fuzz-venv'));
const SCHEMATHESIS = join(VENV, 'bin', 'schemathesis');
/** Where Schemathesis runs: it keeps the failures it found in `.schemathesis/` there, for `schemathesis replay`. */
const RUN_DIR = join(VENV, 'run');

/** Per operation; with the coverage phase's cases on top, the whole run takes about a minute on 2 cores. */
const MAX_EXAMPLES = 20;
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
];

/**
 * The stack runs with payload keys, as production should. Checkout and
 * validate wait for the provider's authorization (20 s by default); a generated order the provider never
 * authorizes would hold each request past Schemathesis's 10 s, so they wait 2 s here.
 */
const FUZZ_ENV = {
  LOG_LEVEL: 'error',
  SPRYKER_CHECKOUT_WAIT: '2s',
  DEITY_VALIDATE_WAIT: '2s',
  PAYLOAD_KEYS: `fuzz:${Buffer.alloc(32, 1).toString('base64')}`,
} as const;

function run(command: string, args: string[]): void {
  const { status, error } = spawnSync(command, args, { stdio: 'inherit' });
  if (error || status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed${error ? `: ${error.message}` : ''}`);
}

/** The virtualenv with the pinned Schemathesis, made once. */
function ensureSchemathesis(): void {
  const installed = spawnSync(SCHEMATHESIS, ['--version'], { encoding: 'utf8' });
  if (installed.stdout?.includes(`version ${SCHEMATHESIS_VERSION}`)) return;
  console.log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${VENV}`);
  run('python3', ['-m', 'venv', VENV]);
  run(join(VENV, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `schemathesis==${SCHEMATHESIS_VERSION}`,
  ]);
}

/**
 * Schemathesis's settings: the credentials per security scheme of the document (components/securitySchemes),
 * from the local settings, and the headers that name a Spryker tenant. Requests without credentials are not
 * generated: ten failed authentications a minute throttle a client (http/throttle.ts), and every request here
 * comes from one client, so they would leave the routes behind them untested.
 */
function schemathesisConfig(config: SettleConfigWithDoors): string {
  const toml = JSON.stringify;
  const tenant = toml(LOCAL_SPRYKER_TENANT);
  // mibSignature (an HMAC of the body) cannot be given as a fixed value: MIB's bearer is used instead.
  return [
    '[generation]\nwith-security-parameters = false',
    `[auth.openapi.adminBearer]\nbearer = ${toml(config.ADMIN_TOKEN)}`,
    `[auth.openapi.mibBearer]\nbearer = ${toml(config.MIB_INTAKE_SECRET)}`,
    `[auth.openapi.sprykerTenant]\nbearer = ${toml(LOCAL_SPRYKER_TOKEN)}`,
    `[auth.openapi.deityToken]\nbearer = ${toml(`${LOCAL_DEITY_PROFILE.serviceUser}:${LOCAL_DEITY_PROFILE.serviceToken}`)}`,
    `[auth.openapi.deityBasic]\nusername = ${toml(LOCAL_DEITY_PROFILE.serviceUser)}\npassword = ${toml(LOCAL_DEITY_PROFILE.serviceToken)}`,
    `[[operations]]\ninclude-path-regex = "^/spryker/"\nheaders = { "Tenant-Identifier" = ${tenant}, "X-Tenant-Identifier" = ${tenant}, "Consumer-Id" = ${tenant} }`,
    '',
  ].join('\n\n');
}

function schemathesis(args: string[]): Promise<number> {
  return new Promise((resolveExit, reject) => {
    mkdirSync(RUN_DIR, { recursive: true });
    const child = spawn(SCHEMATHESIS, args, { stdio: 'inherit', cwd: RUN_DIR });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  ensureSchemathesis();
  installRuntime('ERROR', { handleSignals: false });
  const started = Date.now();
  const env = await createDevServerEnv();
  const dir = mkdtempSync(join(tmpdir(), 'settle-fuzz-'));
  try {
    const stack = await startStack({ address: env.address, env: FUZZ_ENV });
    try {
      const configFile = join(dir, 'schemathesis.toml');
      writeFileSync(configFile, schemathesisConfig(stack.config));
      console.log(`stack up in ${Math.round((Date.now() - started) / 1000)} s; fuzzing ${stack.api.url}`);
      return await schemathesis([
        '--config-file',
        configFile,
        'run',
        `${stack.api.url}/openapi.json`,
        '--checks',
        CHECKS.join(','),
        '--max-examples',
        String(MAX_EXAMPLES),
        ...process.argv.slice(2),
      ]);
    } finally {
      await stack.stop();
    }
  } finally {
    await env.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);
