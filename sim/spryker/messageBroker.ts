import { randomUUID } from 'node:crypto';

/**
 * How a Spryker shop's message broker puts a message on the HTTP channel and takes one off it (spryker/
 * message-broker-aws: TransferSerializer, HttpHeaderFormatter, HttpChannelReceiverClient). Settle must accept
 * exactly this, so the simulator copies its quirks rather than tidying them.
 */

/** The message attributes a current shop sets on a command; each becomes one header. */
export interface MessageAttributes {
  transferName: string;
  event: string;
  name: string;
  correlationId: string;
  timestamp: string;
  authorization: string;
  tenantIdentifier: string;
  actorId: string;
}

export interface SerializedMessage {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The broker's default data filters: null fields and entity-id keys (`idSalesOrder`, `fkSalesOrder`) never leave the shop. */
const ENTITY_ID_KEY = /^(id|fk)[A-Z]/;

export function stripFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripFields);
  if (value === null || typeof value !== 'object') return value;
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === null || field === undefined || ENTITY_ID_KEY.test(key)) continue;
    kept[key] = stripFields(field);
  }
  return kept;
}

/** `Y-m-d\TH:i:s.u` in UTC, microseconds and no zone, as the shop's TimestampMessageAttributeProviderPlugin writes it. */
export function phpTimestamp(epochMicros = currentMicros()): string {
  const millis = Math.floor(epochMicros / 1000);
  const iso = new Date(millis).toISOString(); // 2026-12-01T10:11:12.123Z
  const micros = String(epochMicros % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 19)}.${micros}`;
}

function currentMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** `transferName` → `Transfer-Name`: ucfirst, then a hyphen before each capital that follows a small letter. */
export function headerName(attribute: string): string {
  return (attribute.charAt(0).toUpperCase() + attribute.slice(1)).replace(/(?<=[a-z])(?=[A-Z])/g, '-');
}

/** The attributes the shop's provider plugins fill in for a message it publishes. */
export function commandAttributes(transferName: string, tenant: string, token: string): MessageAttributes {
  return {
    transferName,
    event: transferName,
    name: transferName,
    correlationId: randomUUID(),
    timestamp: phpTimestamp(),
    authorization: `Bearer ${token}`,
    tenantIdentifier: tenant,
    actorId: tenant,
  };
}

/**
 * The body is the message's fields without its attributes, filtered; the attributes go out as headers. The
 * formatter keeps only attribute names, so the serializer's `Content-Type` never reaches the wire.
 */
export function serializeMessage(
  message: Record<string, unknown> & { messageAttributes: MessageAttributes },
): SerializedMessage {
  const { messageAttributes: attributes, ...fields } = message;
  const headers: Record<string, string> = {};
  for (const [attribute, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== '') headers[headerName(attribute)] = String(value);
  }
  return { headers, body: JSON.stringify(stripFields(fields)) };
}

/** One element of the array a GET on a channel answers. */
export interface WireMessage {
  MessageId?: unknown;
  MessageBody?: unknown;
  MessageAttributes?: unknown;
}

export interface DecodedMessage {
  readonly messageId: string;
  /** The transfer the shop deserializes into: `transferName` first, then `name`. */
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  readonly body: Record<string, unknown>;
}

export type Decoding =
  | { readonly ok: true; readonly message: DecodedMessage }
  /** `crashes`: the shop's worker dies on it, so nothing of the batch is handled. */
  | { readonly ok: false; readonly reason: string; readonly crashes: boolean };

/**
 * Decodes as TransferSerializer::decode does. A message that fails here is logged and stays on the bus,
 * unacknowledged; only a decoded message is handled and then acknowledged, even when its handler throws.
 */
export function decodeMessage(wire: WireMessage, knownTransfers: ReadonlySet<string>): Decoding {
  const refuse = (reason: string, crashes = false): Decoding => ({ ok: false, reason, crashes });
  const { MessageId: messageId, MessageBody: body, MessageAttributes: attributes } = wire ?? {};
  if (body !== undefined && body !== null && typeof body !== 'string') {
    // PHP hands the decoded array to a JSON deserializer that wants a string: a TypeError nobody catches.
    return refuse('MessageBody is not a JSON string', true);
  }
  if (!body) return refuse('empty MessageBody');
  if (!attributes || typeof attributes !== 'object' || Object.keys(attributes).length === 0) {
    return refuse('empty MessageAttributes');
  }
  if (!messageId) return refuse('empty MessageId');
  const attrs = attributes as Record<string, unknown>;
  const name = String(attrs.transferName || attrs.name || '');
  if (!name) return refuse('no transferName or name attribute');
  if (!knownTransfers.has(name)) return refuse(`no transfer named ${name}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return refuse('MessageBody is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return refuse('MessageBody is not a JSON object');
  }
  return {
    ok: true,
    message: {
      messageId: String(messageId),
      name,
      attributes: attrs,
      body: parsed as Record<string, unknown>,
    },
  };
}

/**
 * A PHP `new DateTime($text)` for the shapes a bus sends, as microseconds since the epoch (DateTime compares
 * to the microsecond). Anything else throws, as PHP does, which makes the shop drop the message.
 */
export function parsePhpDate(text: unknown): bigint {
  const match =
    typeof text === 'string'
      ? /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,6})\d*)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
          text,
        )
      : null;
  if (!match) throw new Error(`DateTime::__construct(): Failed to parse time string (${String(text)})`);
  const [, date, time = '00:00:00', fraction = '', zone = 'Z'] = match;
  const millis = Date.parse(`${date}T${time.length === 5 ? `${time}:00` : time}${zone}`);
  if (Number.isNaN(millis)) throw new Error(`DateTime::__construct(): Failed to parse time string (${text})`);
  return BigInt(millis) * 1000n + BigInt(fraction.padEnd(6, '0'));
}
