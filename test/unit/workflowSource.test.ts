import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRONT_DOORS } from '../../oms';
import { CORE_WORKFLOWS_PATH, workflowsEntry } from '../../worker/bundle';
import { encryptedBundlePath, workflowSource } from '../../worker/createWorker';

/** The built worker loads the bundle `npm run build` made; a worker run from source bundles its own code. */
describe('the worker’s workflow code', () => {
  const folder = mkdtempSync(join(tmpdir(), 'settle-bundle-'));
  const bundle = join(folder, 'workflow-bundle.js');
  const fromSource = { workflowsPath: workflowsEntry(FRONT_DOORS) };
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('comes from the prebuilt bundle only when compiled and the bundle exists', () => {
    expect(workflowSource(FRONT_DOORS, { compiled: true, prebuilt: bundle })).toEqual(fromSource);
    writeFileSync(bundle, '// bundle');
    expect(workflowSource(FRONT_DOORS, { compiled: true, prebuilt: bundle })).toEqual({
      workflowBundle: { codePath: bundle },
    });
    // From source (tsx, jest) a bundle lying around could be stale: the worker bundles instead.
    expect(workflowSource(FRONT_DOORS, { compiled: false, prebuilt: bundle })).toEqual(fromSource);
    expect(workflowSource(FRONT_DOORS)).toEqual(fromSource);
  });

  it('comes from the bundle with encrypted failures for a worker with PAYLOAD_KEYS', () => {
    const encrypted = encryptedBundlePath(bundle);
    expect(encrypted).toBe(join(folder, 'workflow-bundle.encrypted.js'));
    const options = { compiled: true, prebuilt: bundle, encrypted: true };
    expect(workflowSource(FRONT_DOORS, options)).toEqual(fromSource);
    writeFileSync(encrypted, '// bundle');
    expect(workflowSource(FRONT_DOORS, options)).toEqual({ workflowBundle: { codePath: encrypted } });
  });

  it("is bundled from an entry with the core's workflows and each door's, from the door list alone", () => {
    const entry = readFileSync(workflowsEntry(FRONT_DOORS), 'utf8');
    const modules = [CORE_WORKFLOWS_PATH, ...FRONT_DOORS.map((door) => door.workflows)];
    expect(entry).toBe(modules.map((module) => `export * from ${JSON.stringify(module)};\n`).join(''));
    // The same doors make the same entry; a door without workflows adds nothing.
    expect(workflowsEntry(FRONT_DOORS)).toBe(workflowsEntry([...FRONT_DOORS, {}]));
    expect(workflowsEntry([])).toBe(CORE_WORKFLOWS_PATH);
  });
});
