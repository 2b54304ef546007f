import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../config/projectRoot';

const run = promisify(execFile);
const CONFIG = join(PROJECT_ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(PROJECT_ROOT, 'node_modules', '.bin', 'depcruise');

/** Runs the project's layering rules over `folders` of `root`; answers the exit code and the report. */
async function cruise(root: string, folders: string[]): Promise<{ code: number; report: string }> {
  try {
    const { stdout } = await run(DEPCRUISE, [...folders, '--config', CONFIG], { cwd: root });
    return { code: 0, report: stdout };
  } catch (error) {
    const { code, stdout } = error as { code: number; stdout: string };
    return { code, report: stdout };
  }
}

const TSCONFIG = JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } });

/** A new temporary folder holding `files` (path → text) and a tsconfig.json. */
function writeTree(prefix: string, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, text] of Object.entries({ 'tsconfig.json': TSCONFIG, ...files })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/**
 * The layering rules (.dependency-cruiser.cjs, run by `npm test` as `lint:layers`): the project keeps them,
 * and a tree that breaks them fails — a cycle, I/O in workflow code, one front door importing another.
 */
describe('layering', () => {
  let fixture: string;

  beforeAll(() => {
    fixture = writeTree('settle-layers-', {
      'domain/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'domain/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      'workflows/reads.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      'oms/one/intake.ts': "import { two } from '../two/reporter';\nexport const one = two;\n",
      'oms/two/reporter.ts': 'export const two = 2;\n',
      'oms/door.ts': 'export interface Reporter {\n  readonly name: string;\n}\n',
      'oms/two/workflows/reads.ts':
        "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      'activities/reports.ts': "import type { Reporter } from '../oms/door';\nexport type Port = Reporter;\n",
    });
  });

  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it("holds in Settle's own tree", async () => {
    const folders = [
      'activities',
      'api',
      'cli',
      'http',
      'config',
      'domain',
      'oms',
      'providers',
      'workflows',
      'worker',
    ];
    const { code, report } = await cruise(PROJECT_ROOT, folders);
    expect(report).toContain('no dependency violations found');
    expect(code).toBe(0);
  }, 60_000);

  it("fails on an import cycle, on I/O in a workflow (a door's too), on a door importing another and on the core naming a door", async () => {
    const { code, report } = await cruise(fixture, ['domain', 'workflows', 'oms', 'activities']);
    expect(code).not.toBe(0);
    expect(report).toMatch(/error no-circular: domain\/a\.ts/);
    expect(report).toMatch(/error workflows-no-node-builtins: workflows\/reads\.ts → fs/);
    expect(report).toMatch(/error doors-apart: oms\/one\/intake\.ts → oms\/two\/reporter\.ts/);
    expect(report).toMatch(/error workflows-no-node-builtins: oms\/two\/workflows\/reads\.ts → fs/);
    // A type-only import is enough to break the rule.
    expect(report).toMatch(/error core-not-doors: activities\/reports\.ts → oms\/door\.ts/);
  }, 60_000);
});

/**
 * A simulator plays its contract from its own copy: importing the door it stands in for fails the rules; and
 * the product imports none of the tooling.
 */
describe('layering of the tooling', () => {
  let fixture: string;
  beforeAll(() => {
    fixture = writeTree('settle-layers-sim-', {
      'sim/shop/server.ts':
        "import type { Methods } from '../../oms/shop/methods';\nexport const m: Methods = 1;\n",
      'oms/shop/methods.ts': 'export type Methods = number;\n',
      'api/app.ts': "import { m } from '../sim/shop/server';\nexport const app = m;\n",
    });
  });
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it('fails on a simulator importing a door, even for a type only', async () => {
    const { code, report } = await cruise(fixture, ['sim', 'oms']);
    expect(code).not.toBe(0);
    expect(report).toMatch(/error simulators-not-doors: sim\/shop\/server\.ts → oms\/shop\/methods\.ts/);
  }, 60_000);

  it('fails on the product importing a simulator', async () => {
    const { code, report } = await cruise(fixture, ['api', 'sim']);
    expect(code).not.toBe(0);
    expect(report).toMatch(/error product-not-tooling: api\/app\.ts → sim\/shop\/server\.ts/);
  }, 60_000);
});
