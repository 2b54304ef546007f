import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { settleProgram } from '../../cli/settle';
import { runHelm } from '../../scripts/helm';
import {
  CHART_DIR,
  containersOf,
  find,
  helm,
  helmTemplate,
  kustomization,
  kustomized,
  manifests,
  schemaProblems,
  searchAttributesForCli,
  type Manifest,
} from '../helpers/deployments';
import { PROJECT_ROOT } from '../helpers/paths';

/**
 * Settle's Kubernetes install as it ships, in both its forms: the kustomization (deploy/kubernetes) and the Helm
 * chart (deploy/helm/settle, rendered by `helm template`). Each must be valid, run tagged images, carry the
 * setup the first payment needs (the search attributes, the MIB registration schedule) and keep payment data
 * out of Temporal in clear; and both must be the same install.
 */

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

const imagesOf = (objects: readonly Manifest[]) =>
  objects.flatMap(({ object }) => containersOf(object).map((container) => container.image ?? ''));
const settleImages = (objects: readonly Manifest[]) =>
  imagesOf(objects).filter((image) => !image.startsWith('temporalio/'));

const job = (objects: readonly Manifest[], name: RegExp) => find(objects, Job, name);
const searchAttributesJob = (objects: readonly Manifest[]) =>
  job(objects, /-search-attributes$/).spec!.template.spec!.containers[0]!;
const registrationJob = (objects: readonly Manifest[]) =>
  job(objects, /-mib-registration(-\d+)?$/).spec!.template.spec!.containers[0]!;

describe.each([
  ['the kustomization', async () => kustomized()],
  ['the Helm chart', () => helmTemplate()],
])('Kubernetes install: %s', (_, render) => {
  let objects: Manifest[];
  beforeAll(async () => {
    objects = await render();
  });

  it("is valid against Kubernetes' schemas", () => {
    expect(objects.length).toBeGreaterThanOrEqual(9);
    expect(schemaProblems(objects)).toEqual([]);
  });

  it("runs every container from a tagged image, Settle's at the release's version", () => {
    expect(imagesOf(objects).filter((image) => !/:[\w][\w.-]*$/.test(image))).toEqual([]);
    // The worker, the API and the registration Job.
    expect(settleImages(objects)).toEqual([`settle:${VERSION}`, `settle:${VERSION}`, `settle:${VERSION}`]);
  });

  it("has a Job that registers Settle's search attributes with Temporal's CLI", () => {
    const container = searchAttributesJob(objects);
    expect(container.image).toMatch(/^temporalio\/admin-tools:1\.29\.\d+-/);
    expect(container.command?.slice(0, 2)).toEqual(['sh', '-c']);
    expect(container.command?.[2]).toContain('temporal operator search-attribute create');
    const env = Object.fromEntries((container.env ?? []).map(({ name, value }) => [name, value]));
    expect(Object.keys(env)).toEqual(['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'SETTLE_SEARCH_ATTRIBUTES']);
    expect(env.SETTLE_SEARCH_ATTRIBUTES!.split(/\s+/)).toEqual(searchAttributesForCli());
  });

  it('has a Job that registers with MIB now and on its schedule, with options `settle register` takes', () => {
    const container = registrationJob(objects);
    const [node, main, command, ...options] = container.command ?? [];
    expect([node, main, command]).toEqual(['node', 'dist/cli/main.js', 'register']);
    expect(options).toEqual(['--door', 'mib', '--schedule', '--wait']);
    const register = settleProgram().commands.find((candidate) => candidate.name() === 'register')!;
    const known = register.options.map((option) => option.long);
    expect(options.filter((option) => option.startsWith('--') && !known.includes(option))).toEqual([]);
    // The settings every Settle process reads, the worker's own.
    const worker = find(objects, Deployment, /-worker$/).spec!.template.spec!.containers[0]!;
    expect(container.envFrom).toEqual(worker.envFrom);
    expect(job(objects, /-mib-registration/).spec!.template.spec!.restartPolicy).toBe('OnFailure');
  });

  it('keeps payment data out of Temporal in clear: PAYLOAD_KEYS in the Secret, encryption required', () => {
    expect(find(objects, Secret, /-secrets$/).stringData).toHaveProperty('PAYLOAD_KEYS');
    expect(find(objects, ConfigMap, /-config$/).data?.PAYLOAD_REQUIRE_ENCRYPTION).toBe('true');
  });
});

describe('the kustomization', () => {
  it('names each image without a tag: the tags are set once, in its images', () => {
    const written = manifests().flatMap(({ object }) =>
      containersOf(object).map((container) => container.image ?? ''),
    );
    expect(written.filter((image) => image.includes(':'))).toEqual([]);
    const images = kustomization().images ?? [];
    expect([...new Set(written)].sort()).toEqual(images.map(({ name }) => name).sort());
    expect(images.filter(({ newTag }) => !newTag)).toEqual([]);
  });
});

describe('the Helm chart', () => {
  it('passes helm lint --strict', async () => {
    await expect(runHelm(await helm(), ['lint', '--strict', join(PROJECT_ROOT, CHART_DIR)])).resolves.toMatch(
      /1 chart\(s\) linted, 0 chart\(s\) failed/,
    );
  });

  it('renders the same install as the kustomization', async () => {
    const chart = await helmTemplate();
    const plain = kustomized();
    expect(find(chart, ConfigMap, /-config$/).data).toEqual(find(plain, ConfigMap, 'settle-config').data);
    expect(find(chart, Secret, /-secrets$/).stringData).toEqual(
      find(plain, Secret, 'settle-secrets').stringData,
    );
    expect(find(chart, Service, /-api$/).spec!.ports).toEqual(find(plain, Service, 'settle-api').spec!.ports);

    const comparable = (objects: readonly Manifest[], name: RegExp) => {
      const { spec } = find(objects, Deployment, name);
      const { containers, securityContext, terminationGracePeriodSeconds, volumes } = spec!.template.spec!;
      return {
        replicas: spec!.replicas,
        securityContext,
        terminationGracePeriodSeconds,
        volumes,
        containers: containers.map(({ image, imagePullPolicy, ...rest }) => rest),
      };
    };
    for (const name of [/-worker$/, /-api$/])
      expect(comparable(chart, name)).toEqual(comparable(plain, name));

    const setup = (objects: readonly Manifest[]) => {
      const attributes = searchAttributesJob(objects);
      const registration = registrationJob(objects);
      return {
        attributes: {
          image: attributes.image,
          command: attributes.command,
          list: attributes.env?.find(({ name }) => name === 'SETTLE_SEARCH_ATTRIBUTES')?.value,
          resources: attributes.resources,
          securityContext: attributes.securityContext,
        },
        registration: { ...registration, imagePullPolicy: undefined },
      };
    };
    expect(setup(chart)).toEqual(setup(plain));
  });

  it("sets Settle's image in one place: image.repository and image.tag change every Settle container", async () => {
    const objects = await helmTemplate(
      '--set',
      'image.repository=registry.example.com/settle',
      '--set',
      'image.tag=9.9.9',
    );
    expect(settleImages(objects)).toEqual(Array(3).fill('registry.example.com/settle:9.9.9'));
  });

  it('takes a Secret of yours instead of its own, and leaves the setup Jobs out when asked', async () => {
    const objects = await helmTemplate(
      '--set',
      'existingSecret=settle-from-vault',
      '--set',
      'setup.searchAttributes.enabled=false',
      '--set',
      'setup.mibRegistration.enabled=false',
    );
    expect(objects.filter(({ object }) => object.kind === 'Secret' || object.kind === 'Job')).toEqual([]);
    const api = find(objects, Deployment, /-api$/).spec!.template.spec!.containers[0]!;
    expect(api.envFrom?.[1]).toEqual({ secretRef: { name: 'settle-from-vault' } });
    expect(schemaProblems(objects)).toEqual([]);
  });
});
