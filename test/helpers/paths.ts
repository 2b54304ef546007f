import { join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
/** The workflow bundle globalSetup writes once per run. */
export const BUNDLE_PATH = join(PROJECT_ROOT, '.cache', 'test', 'workflow-bundle.js');
export const REPLAY_DIR = join(PROJECT_ROOT, 'test', 'replay', 'histories');
