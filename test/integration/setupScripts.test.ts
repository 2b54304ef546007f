import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { msToTs } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Job } from 'kubernetes-models/batch/v1';
import { parse } from 'yaml';
import { resolveTemporalCli } from '../../scripts/temporal-binaries';
import { find, helmTemplate, kustomized, searchAttributesForCli } from '../helpers/deployments';
import { PROJECT_ROOT } from '../helpers/paths';
import { runToEnd } from '../helpers/processes';
import { eventually, quietRuntime } from '../helpers/temporal';

/**
 * The setup scripts of the deployments, run under dash (a POSIX sh as strict as the busybox sh of Temporal's
 * images) with the real `temporal` CLI against a real Temporal dev server that has none of Settle's search
 * attributes: compose's namespace setup, and the Kubernetes Job that registers the search attributes. The
 * schema setup needs PostgreSQL and Temporal's SQL tool: test/cluster/composeSchema.test.ts runs it.
 */

let server: TestWorkflowEnvironment;
let bin: string;

beforeAll(async () => {
  quietRuntime();
  const { executable } = await resolveTemporalCli();
  if (executable.type !== 'existing-path')
    throw new Error('the tests need the temporal CLI (npm run provision)');
  // The scripts call `temporal` by name, as in the admin-tools image.
  bin = mkdtempSync(join(tmpdir(), 'settle-setup-bin-'));
  symlinkSync(executable.path, join(bin, 'temporal'));
  server = await TestWorkflowEnvironment.createLocal({
    server: { executable, log: { format: 'pretty', level: 'error' } },
  });
});

afterAll(async () => {
  await server?.teardown();
  if (bin) rmSync(bin, { recursive: true, force: true });
});

const address = () => server.connection.options.address;

/** Runs `dash <args>` with only the variables given (and a PATH holding the temporal CLI). */
function dash(args: string[], env: Record<string, string>) {
  return runToEnd('dash', args, { PATH: `${bin}${delimiter}/usr/bin${delimiter}/bin`, HOME: bin, ...env });
}

/** The namespace's custom search attributes, `Name=Type` as the scripts write them. */
async function registered(namespace: string): Promise<string[]> {
  const { customAttributes } = await server.connection.operatorService.listSearchAttributes({ namespace });
  const typeName = (type: number) =>
    ({ 1: 'Text', 2: 'Keyword', 3: 'Int', 4: 'Double', 5: 'Bool', 6: 'Datetime', 7: 'KeywordList' })[type];
  return Object.entries(customAttributes ?? {})
    .map(([name, type]) => `${name}=${typeName(type as number)}`)
    .sort();
}

describe("compose's temporal-namespace.sh under dash", () => {
  it('creates the namespace, registers every search attribute, and changes nothing when run again', async () => {
    const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), {
      merge: true,
    }) as { services: Record<string, { environment: Record<string, string> }> };
    const env = {
      ...compose.services['temporal-setup']!.environment,
      TEMPORAL_ADDRESS: address(),
      TEMPORAL_NAMESPACE: 'compose-setup',
    };
    const first = await dash(['deploy/compose/temporal-namespace.sh'], env);
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain("namespace compose-setup has Settle's search attributes");
    expect(await registered('compose-setup')).toEqual(searchAttributesForCli().sort());

    const again = await dash(['deploy/compose/temporal-namespace.sh'], env);
    expect(again).toMatchObject({ code: 0 });
    expect(again.output).not.toContain('have been added');
  });
});

describe('the Kubernetes search attributes Job under dash', () => {
  it.each([
    ['the kustomization', async () => kustomized()],
    ['the Helm chart', () => helmTemplate()],
  ])('%s: registers every search attribute on the namespace its variables name', async (form, render) => {
    const namespace = `k8s-setup-${form.includes('Helm') ? 'helm' : 'kustomize'}`;
    await server.connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    const container = find(await render(), Job, /-search-attributes$/).spec!.template.spec!.containers[0]!;
    const [shell, flag, script] = container.command!;
    expect([shell, flag]).toEqual(['sh', '-c']);
    const list = container.env!.find(({ name }) => name === 'SETTLE_SEARCH_ATTRIBUTES')!.value!;
    // The temporal CLI takes the address and the namespace from the variables, as the Job gives them.
    const env = {
      TEMPORAL_ADDRESS: address(),
      TEMPORAL_NAMESPACE: namespace,
      SETTLE_SEARCH_ATTRIBUTES: list,
    };
    // A new namespace reaches the frontend's cache a moment after it is registered: until then the Job
    // fails, and Kubernetes runs it again.
    await eventually(
      async () => ((await dash(['-c', script!], env)).code === 0 ? true : undefined),
      60_000,
      'the Job to succeed',
    );
    expect(await registered(namespace)).toEqual(searchAttributesForCli().sort());
    // Run again, it adds nothing.
    const again = await dash(['-c', script!], env);
    expect(again).toEqual({ code: 0, output: `namespace ${namespace} has Settle's search attributes\n` });
  });
});
