/**
 * The API's `/metrics` as a test reads it: the Prometheus text format, each sample by its name and labels.
 */
export interface Metrics {
  /** The sum of the samples of `name` whose labels include `labels` (0 when none has them). */
  value(name: string, labels?: Readonly<Record<string, string>>): number;
}

export async function readMetrics(apiUrl: string): Promise<Metrics> {
  const answer = await fetch(`${apiUrl}/metrics`);
  if (answer.status !== 200) throw new Error(`GET /metrics answered ${answer.status}`);
  return parseMetrics(await answer.text());
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Metrics {
  const samples = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .flatMap((line) => {
      const [, name, labels = '', value] = SAMPLE.exec(line) ?? [];
      if (name === undefined) return [];
      return [
        {
          name,
          labels: Object.fromEntries([...labels.matchAll(LABEL)].map(([, k, v]) => [k, v])),
          value: Number(value),
        },
      ];
    });
  return {
    value: (name, labels = {}) =>
      samples
        .filter((sample) => sample.name === name)
        .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
        .reduce((sum, sample) => sum + sample.value, 0),
  };
}
