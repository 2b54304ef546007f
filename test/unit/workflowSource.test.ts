import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKFLOWS_PATH, encryptedBundlePath, workflowSource } from '../../worker/createWorker';

/** The built worker loads the bundle `npm run build` made; a worker run from source bundles its own code. */
describe('the worker’s workflow code', () => {
  const folder = mkdtempSync(join(tmpdir(), 'settle-bundle-'));
  const bundle = join(folder, 'workflow-bundle.js');
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('comes from the prebuilt bundle only when compiled and the bundle exists', () => {
    expect(workflowSource(true, bundle)).toEqual({ workflowsPath: WORKFLOWS_PATH });
    writeFileSync(bundle, '// bundle');
    expect(workflowSource(true, bundle)).toEqual({ workflowBundle: { codePath: bundle } });
    // From source (tsx, jest) a bundle lying around could be stale: the worker bundles instead.
    expect(workflowSource(false, bundle)).toEqual({ workflowsPath: WORKFLOWS_PATH });
    expect(workflowSource()).toEqual({ workflowsPath: WORKFLOWS_PATH });
  });

  it('comes from the bundle with encrypted failures for a worker with PAYLOAD_KEYS', () => {
    const encrypted = encryptedBundlePath(bundle);
    expect(encrypted).toBe(join(folder, 'workflow-bundle.encrypted.js'));
    expect(workflowSource(true, bundle, true)).toEqual({ workflowsPath: WORKFLOWS_PATH });
    writeFileSync(encrypted, '// bundle');
    expect(workflowSource(true, bundle, true)).toEqual({ workflowBundle: { codePath: encrypted } });
  });
});
