import { execFileSync, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../helpers/paths';

/**
 * The package as installed: its `bin` runs the CLI compiled by `npm run build`, with nothing of TypeScript or
 * tsx, and what the production image runs (`npm prune --omit=dev`) needs only the production dependencies.
 * The project is compiled once into a folder inside it (so that node_modules is found), laid out as a package:
 * `cli/bin.cjs` beside `dist/`.
 */
describe('the compiled package', () => {
  jest.setTimeout(180_000);
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  let root: string;

  beforeAll(() => {
    mkdirSync(join(PROJECT_ROOT, '.cache'), { recursive: true });
    root = mkdtempSync(join(PROJECT_ROOT, '.cache', 'compiled-package-'));
    execFileSync(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        '-p',
        join(PROJECT_ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(root, 'dist'),
      ],
      { cwd: PROJECT_ROOT, stdio: 'inherit' },
    );
    mkdirSync(join(root, 'cli'));
    copyFileSync(join(PROJECT_ROOT, pkg.bin.settle!), join(root, pkg.bin.settle!));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Runs the package's bin with a hook that fails any load of tsx or of a TypeScript file. */
  function runBin(args: string[], binRoot = root) {
    const guard = join(root, 'no-typescript.cjs');
    writeFileSync(
      guard,
      `const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (/(^|[\\/])tsx([\\/]|$)/.test(request) || request.endsWith('.ts')) throw new Error('loaded ' + request);
  return load.call(this, request, ...rest);
};
`,
    );
    return spawnSync(process.execPath, ['--require', guard, join(binRoot, pkg.bin.settle!), ...args], {
      cwd: binRoot,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
  }

  it("runs `settle --help` and a subcommand's help from dist/, without tsx", () => {
    const help = runBin(['--help']);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: settle <command> [options]');
    const list = runBin(['payments', 'list', '--help']);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('--stuck');
  });

  it('says what to do where nothing was built', () => {
    const bare = mkdtempSync(join(root, 'unbuilt-'));
    mkdirSync(join(bare, 'cli'));
    copyFileSync(join(PROJECT_ROOT, pkg.bin.settle!), join(bare, pkg.bin.settle!));
    const run = runBin(['--help'], bare);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the compiled CLI is missing');
    expect(run.stderr).toContain('npm run build');
  });

  it('needs only production dependencies for what the image runs, and tsx is not one of them', () => {
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.devDependencies)).toContain('tsx');
    // The image's commands (Dockerfile, the compose file, the Kubernetes manifests): worker, API, CLI, simulators.
    const entries = [
      'worker/main.js',
      'api/main.js',
      'cli/main.js',
      'sim/mib/main.js',
      'sim/gateway/main.js',
    ];
    const packages = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, request] of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
        if (request!.startsWith('.')) visit(resolveLocal(resolve(dirname(file), request!)));
        else if (!request!.startsWith('node:') && !builtinModules.includes(request!))
          packages.add(
            request!.startsWith('@') ? request!.split('/').slice(0, 2).join('/') : request!.split('/')[0]!,
          );
      }
    };
    for (const entry of entries) visit(join(root, 'dist', entry));
    expect([...packages].filter((name) => !(name in pkg.dependencies))).toEqual([]);
    expect(packages).toContain('@temporalio/worker');
  });
});

/** A compiled relative require: `./x` is `./x.js` or `./x/index.js`; JSON files as they are. */
function resolveLocal(path: string): string {
  for (const candidate of [path, `${path}.js`, join(path, 'index.js')])
    if (existsSync(candidate) && !candidate.endsWith('/') && candidate.match(/\.(js|json)$/))
      return candidate;
  throw new Error(`cannot resolve ${path}`);
}
