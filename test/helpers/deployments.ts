import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parse, parseAllDocuments } from 'yaml';
import { resolveHelm, runHelm } from '../../scripts/helm';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { PROJECT_ROOT } from './paths';

/**
 * Settle's Kubernetes install in its two forms, as the objects they render: the kustomization in
 * deploy/kubernetes (its files with `images:` applied, as `kubectl kustomize` does for what they use) and the
 * Helm chart in deploy/helm/settle (`helm template`). Checked against Kubernetes' schemas (kubernetes-models).
 */

export const KUBERNETES_DIR = 'deploy/kubernetes';
export const CHART_DIR = 'deploy/helm/settle';

/** The model, with the schema it validates against, of each kind the install may use. */
const MODELS: Readonly<Record<string, new (data: never) => { validate(): void }>> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

export interface Manifest {
  readonly file: string;
  readonly object: { apiVersion?: string; kind?: string; metadata?: { name?: string } };
}

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

/** The manifests of deploy/kubernetes as written, one per YAML document. */
export function manifests(): Manifest[] {
  return readdirSync(join(PROJECT_ROOT, KUBERNETES_DIR))
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(read(join(KUBERNETES_DIR, file))).map((document) => ({
        file,
        object: document.toJS() as Manifest['object'],
      })),
    );
}

export interface Kustomization {
  readonly resources: string[];
  readonly images?: { name: string; newName?: string; newTag?: string }[];
}

export const kustomization = () => parse(read(join(KUBERNETES_DIR, 'kustomization.yaml'))) as Kustomization;

interface PodSpec {
  containers: { image?: string }[];
  initContainers?: { image?: string }[];
}
type WithPods = Manifest['object'] & { spec?: { template?: { spec?: PodSpec } } };

/** The containers (init containers included) of a Deployment's or a Job's pods; none for other kinds. */
export function containersOf(object: Manifest['object']) {
  const pod = (object as WithPods).spec?.template?.spec;
  return pod ? [...(pod.initContainers ?? []), ...pod.containers] : [];
}

/** deploy/kubernetes as `kubectl kustomize` renders it: each image the kustomization names set from `images:`. */
export function kustomized(): Manifest[] {
  const images = kustomization().images ?? [];
  return manifests().map(({ file, object }) => {
    const rendered = structuredClone(object);
    for (const container of containersOf(rendered)) {
      const [name, tag] = (container.image ?? '').split(/:(?=[^/]*$)/);
      const entry = images.find((image) => image.name === name);
      if (entry) container.image = `${entry.newName ?? name}:${entry.newTag ?? tag}`;
    }
    return { file, object: rendered };
  });
}

/** The chart rendered by `helm template settle` with `args` (`--set …`), one manifest per object. */
export async function helmTemplate(...args: string[]): Promise<Manifest[]> {
  const output = await runHelm(await helm(), ['template', 'settle', join(PROJECT_ROOT, CHART_DIR), ...args]);
  return parseAllDocuments(output)
    .filter((document) => document.contents !== null)
    .map((document) => ({
      file: /Source: (\S+)/.exec(document.commentBefore ?? '')?.[1] ?? 'helm template',
      object: document.toJS() as Manifest['object'],
    }));
}

/** The helm globalSetup provisioned (HELM_PATH), else found or built as `npm run provision` does. */
export const helm = async () => process.env.HELM_PATH ?? (await resolveHelm());

/** Each schema violation as `file: Kind/name: message`. */
export function schemaProblems(objects: readonly Manifest[]): string[] {
  return objects.flatMap(({ file, object }) => {
    const where = `${file}: ${object.kind}/${object.metadata?.name}`;
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!Model) return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
    try {
      new Model(object as never).validate();
      return [];
    } catch (error) {
      return [`${where}: ${(error as Error).message}`];
    }
  });
}

/** The object of that kind and name among `objects`, as its model. */
export function find<T>(
  objects: readonly Manifest[],
  Model: { new (data: never): T; readonly kind: string },
  name: string | RegExp,
): T {
  const found = objects.find(
    ({ object }) =>
      object.kind === Model.kind &&
      (typeof name === 'string' ? object.metadata?.name === name : name.test(object.metadata?.name ?? '')),
  );
  if (!found) throw new Error(`no ${Model.kind} ${String(name)}`);
  return new Model(found.object as never);
}

const CLI_TYPES: Readonly<Record<string, string>> = {
  KEYWORD: 'Keyword',
  KEYWORD_LIST: 'KeywordList',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
};

/** Settle's search attributes (workflows/searchAttributes.ts) as the setup scripts take them: `Name=Type`. */
export const searchAttributesForCli = () =>
  ALL_SEARCH_ATTRIBUTES.map(({ name, type }) => `${name}=${CLI_TYPES[type]}`);
