import { Client, Connection, type ClientInterceptors, type ConnectionLike } from '@temporalio/client';
import type { LoadedDataConverter } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { ConfigOf } from './catalogue';
import type { Environment } from './index';
import { settleDataConverter, type EncryptionSettings } from './payloadCodec';
import { temporalSettings } from './sections';

/**
 * Where and how Settle's processes reach Temporal, from the SDK's environment configuration: a profile of
 * the Temporal config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) beneath the environment (TEMPORAL_API_KEY,
 * TEMPORAL_TLS, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_CLIENT_CERT_PATH, …). Settle's own
 * TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE, from the environment or parameters.yml, win over the profile.
 */
export interface TemporalTarget {
  readonly address: string;
  readonly namespace: string;
  /** What both the client's `Connection` and the worker's `NativeConnection` take. */
  readonly connectionOptions: NativeConnectionOptions & { readonly address: string };
}

/** The address used when neither Settle's settings nor a profile name one: a local server. */
const LOCAL_ADDRESS = 'localhost:7233';
const DEFAULT_NAMESPACE = temporalSettings.settings.TEMPORAL_NAMESPACE.default;

export function temporalTarget(config: ConfigOf<'temporal'>, env: Environment = process.env): TemporalTarget {
  const { connectionOptions, namespace: profileNamespace } = toClientOptions(
    loadClientConfigProfile({ overrideEnvVars: definedOnly(env) }),
  );
  const address = config.TEMPORAL_ADDRESS ?? connectionOptions.address ?? LOCAL_ADDRESS;
  // TEMPORAL_NAMESPACE has a default; a profile's namespace replaces the default, never a namespace given.
  const namespace =
    config.TEMPORAL_NAMESPACE === DEFAULT_NAMESPACE
      ? (profileNamespace ?? DEFAULT_NAMESPACE)
      : config.TEMPORAL_NAMESPACE;
  return { address, namespace, connectionOptions: { ...connectionOptions, address } };
}

export interface TemporalSession {
  readonly client: Client;
  readonly connection: Connection;
  readonly namespace: string;
  close(): Promise<void>;
}

/**
 * The one way Settle makes a Temporal client, in every process and inside the worker (the doors' reporters,
 * the Spryker mailbox): with Settle's data converter, so that it encrypts what it sends with PAYLOAD_KEYS and
 * opens what the workflows answer. A client without it would send payloads in clear and fail on every
 * encrypted answer ("Unknown encoding: binary/encrypted").
 */
export function settleClient(
  connection: ConnectionLike,
  config: EncryptionSettings & Pick<ConfigOf<'temporal'>, 'TEMPORAL_NAMESPACE'>,
  interceptors?: ClientInterceptors,
): Client {
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: settleDataConverter(config),
    interceptors,
  });
}

/**
 * A Temporal client on the configured server, encrypting and decrypting with PAYLOAD_KEYS (and, with
 * `interceptors`, carrying the active trace: config/tracing.ts); an unreachable server is an error naming the
 * address.
 */
export async function connectTemporal(
  config: ConfigOf<'temporal'>,
  env: Environment = process.env,
  interceptors?: ClientInterceptors,
): Promise<TemporalSession> {
  const target = temporalTarget(config, env);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: '10 seconds' });
  } catch (error) {
    throw new Error(
      `Temporal not reachable at ${target.address} (TEMPORAL_ADDRESS): ${(error as Error).message}`,
    );
  }
  let client: Client;
  try {
    client = settleClient(connection, { ...config, TEMPORAL_NAMESPACE: target.namespace }, interceptors);
  } catch (error) {
    await connection.close();
    throw error;
  }
  return {
    client,
    connection,
    namespace: target.namespace,
    close: () => connection.close(),
  };
}

/**
 * The message of a failure Temporal reports raw (a pending activity's last failure in a describe): with
 * PAYLOAD_KEYS it reads "Encoded failure" until the client's converter opens it.
 */
export async function failureMessage(
  client: { readonly options: { readonly loadedDataConverter: LoadedDataConverter } },
  failure: temporal.api.failure.v1.IFailure | null | undefined,
): Promise<string | undefined> {
  return (await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, failure))?.message;
}

function definedOnly(env: Environment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
