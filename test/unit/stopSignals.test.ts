import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from '../helpers/temporal';

/**
 * A process stopping on its first SIGINT is not ended by a second one halfway through (a terminal's Ctrl-C
 * reaches tsx and the process, and tsx may pass it on): it stops once and exits 0.
 */
describe('stop signals', () => {
  it('stop once on the first SIGINT or SIGTERM, and ignore those that come while stopping', async () => {
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      join(__dirname, '..', 'fixtures', 'processes', 'stopSignalsTwice.ts'),
    ]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<[number | null, string | null]>((done) =>
      child.once('exit', (code, signal) => done([code, signal])),
    );
    await eventually(async () => (output.includes('ready') ? true : undefined));
    child.kill('SIGINT');
    await eventually(async () => (output.includes('stopping') ? true : undefined));
    child.kill('SIGINT');
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    expect(output).toContain('stopped 1 time(s)');
  });
});
