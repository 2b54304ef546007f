import { z } from 'zod';
import { ConfigError } from '../../config/errors';
import { describeIssues } from '../../config/issues';
import { port } from '../../config/setting';

/**
 * The cluster's ports. Each service of the Temporal server listens on a gRPC port and gossips on a membership
 * port; PostgreSQL stores the membership port as a SMALLINT, so it must be below 32768. No listener may lie in
 * Linux's ephemeral range (32768–60999), where an outgoing connection of any process can hold the port.
 * TEMPORAL_PORT is the frontend (Settle's TEMPORAL_ADDRESS); the other services take the ports after it,
 * their membership ports CLUSTER_MEMBERSHIP_PORT onwards; PostgreSQL listens on CLUSTER_POSTGRES_PORT.
 */

export interface ClusterPorts {
  readonly frontend: number;
  readonly frontendHttp: number;
  readonly history: number;
  readonly matching: number;
  readonly worker: number;
  readonly membership: {
    readonly frontend: number;
    readonly history: number;
    readonly matching: number;
    readonly worker: number;
  };
  readonly postgres: number;
  readonly ui: number;
}

const schema = z.object({
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  CLUSTER_MEMBERSHIP_PORT: port.default(6933),
  CLUSTER_POSTGRES_PORT: port.default(25432),
});

const EPHEMERAL = { from: 32768, to: 60999 };
const SMALLINT_MAX = 32767;

export function clusterPorts(env: Readonly<Record<string, string | undefined>> = process.env): ClusterPorts {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n${describeIssues(parsed.error, env)}`);
  const { TEMPORAL_PORT: frontend, CLUSTER_MEMBERSHIP_PORT: gossip } = parsed.data;
  const ports: ClusterPorts = {
    frontend,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    frontendHttp: frontend + 10,
    membership: { frontend: gossip, history: gossip + 1, matching: gossip + 2, worker: gossip + 6 },
    postgres: parsed.data.CLUSTER_POSTGRES_PORT,
    ui: parsed.data.TEMPORAL_UI_PORT,
  };
  const problems = [
    ...listeners(ports)
      .filter(([, p]) => p >= EPHEMERAL.from && p <= EPHEMERAL.to)
      .map(([name, p]) => `${name} ${p} lies in the ephemeral range ${EPHEMERAL.from}–${EPHEMERAL.to}`),
    ...Object.entries(ports.membership)
      .filter(([, p]) => p > SMALLINT_MAX)
      .map(([name, p]) => `the ${name} membership port ${p} is above ${SMALLINT_MAX}`),
  ];
  if (problems.length > 0)
    throw new ConfigError(
      `invalid cluster ports (TEMPORAL_PORT, TEMPORAL_UI_PORT, CLUSTER_MEMBERSHIP_PORT, CLUSTER_POSTGRES_PORT):\n  - ${problems.join('\n  - ')}`,
    );
  return ports;
}

/** Every port the cluster listens on, named. */
export function listeners(ports: ClusterPorts): [string, number][] {
  return [
    ['frontend', ports.frontend],
    ['frontend HTTP', ports.frontendHttp],
    ['history', ports.history],
    ['matching', ports.matching],
    ['worker', ports.worker],
    ['PostgreSQL', ports.postgres],
    ['Web UI', ports.ui],
    ...Object.entries(ports.membership).map(([name, p]): [string, number] => [`${name} membership`, p]),
  ];
}
