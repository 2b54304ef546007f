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

/**
 * The layering rules (.dependency-cruiser.cjs, run by `npm test` as `lint:layers`): the project keeps them,
 * and a tree that breaks them fails — a cycle, I/O in workflow code, one front door importing another.
 */
describe('layering', () => {
  let fixture: string;

  beforeAll(() => {
    fixture = mkdtempSync(join(tmpdir(), 'settle-layers-'));
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }),
      'domain/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'domain/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      'workflows/reads.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      'oms/one/intake.ts': "import { two } from '../two/reporter';\nexport const one = two;\n",
      'oms/two/reporter.ts': 'export const two = 2;\n',
      'oms/door.ts': 'export interface Reporter {\n  readonly name: string;\n}\n',
      'oms/two/workflows/reads.ts':
        "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      'activities/reports.ts': "import type { Reporter } from '../oms/door';\nexport type Port = Reporter;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(fixture, path)), { recursive: true });
      writeFileSync(join(fixture, path), text);
    }
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
