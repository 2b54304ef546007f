import { signPayload } from '../../domain/signature';

/**
 * MIB's side of `POST /mib`: forwards a JSON-RPC message (a command, a batch, or any body at all) to Settle
 * with the intake secret, as a bearer token or as a signature of the body. Used by the tests, the replay
 * recorder and the benchmark, so that each of them calls the API the way MIB does.
 */

export interface SendOptions {
  readonly secret: string;
  readonly auth?: 'bearer' | 'signature';
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CommandAnswer {
  readonly status: number;
  /** The parsed JSON answer; undefined for an empty one (204). */
  readonly body: unknown;
}

export async function sendMibCommand(
  apiUrl: string,
  message: string | object,
  { secret, auth = 'bearer', headers = {} }: SendOptions,
): Promise<CommandAnswer> {
  const body = typeof message === 'string' ? message : JSON.stringify(message);
  const credentials: Record<string, string> =
    auth === 'bearer'
      ? { authorization: `Bearer ${secret}` }
      : { 'x-settle-signature': signPayload(secret, body, Math.floor(Date.now() / 1000)) };
  const response = await fetch(`${apiUrl}/mib`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...credentials, ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
