import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { ConfigOf } from '../config';
import type { Logger } from '../config/logger';
import { createPayloadCodec, PayloadDecryptionError } from '../config/payloadCodec';
import { parsePayloadKeys } from '../config/payloadKeys';
import { bearerAuthFailure } from './callerAuth';
import {
  MB,
  errorBodySchema,
  route,
  type ResponseSpec,
  type RouteSet,
  type SecurityScheme,
} from './contract';
import { bearerGate, throttledResponse } from './throttle';

/**
 * Temporal's codec-server protocol, for the Web UI ("Codec Server" endpoint `<api>/codec`) and the CLI
 * (`--codec-endpoint <api>/codec`): `POST /codec/decode` opens payloads with PAYLOAD_KEYS, `POST /codec/encode`
 * seals them, each `{payloads: [{metadata, data}]}` with base64 values. It decrypts whatever it is sent, so it
 * is off unless it has a token or is told to serve without one (config/sections.ts, codecSettings).
 */

export interface CodecServerOptions {
  /** The codec the clients and workers use; none without PAYLOAD_KEYS (503). */
  readonly codec?: PayloadCodec;
  readonly token?: string;
  readonly allowAnonymous?: boolean;
  /** Web UI origins answered with CORS headers. */
  readonly origins?: readonly string[];
}

export function codecServerOptions(
  config: Pick<
    ConfigOf<'temporal' | 'codec'>,
    'PAYLOAD_KEYS' | 'CODEC_TOKEN' | 'CODEC_ALLOW_ANONYMOUS' | 'CODEC_ORIGINS'
  >,
): CodecServerOptions {
  return {
    codec:
      config.PAYLOAD_KEYS === undefined
        ? undefined
        : createPayloadCodec(parsePayloadKeys(config.PAYLOAD_KEYS)),
    token: config.CODEC_TOKEN,
    allowAnonymous: config.CODEC_ALLOW_ANONYMOUS,
    origins: config.CODEC_ORIGINS,
  };
}

export const CODEC_BODY_LIMIT = 4 * MB;
const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
  .describe('base64');
/** A payload as the protocol writes it: the protobuf's JSON form, bytes in base64. */
const payloadSchema = z.object({
  metadata: z.record(z.string(), base64).optional(),
  data: base64.optional(),
});
export const codecBodySchema = z.object({ payloads: z.array(payloadSchema) });
type CodecBody = z.infer<typeof codecBodySchema>;

const codecBearer: SecurityScheme = {
  name: 'codecBearer',
  scheme: {
    type: 'http',
    scheme: 'bearer',
    description: '`Authorization: Bearer <CODEC_TOKEN>` (`codec.token`): the codec server.',
  },
};

const CODEC_ERRORS = {
  400: {
    description: 'Not the protocol, or a payload that does not decrypt; error says which and why.',
    body: errorBodySchema,
  },
  401: { description: 'No or a wrong codec bearer token.', body: errorBodySchema },
  429: throttledResponse(errorBodySchema),
  503: {
    description:
      'The codec server is off: no PAYLOAD_KEYS, or neither CODEC_TOKEN nor CODEC_ALLOW_ANONYMOUS.',
    body: errorBodySchema,
  },
} satisfies Record<number, ResponseSpec>;

export function codecRoutes({
  codecServer = {},
  logger,
}: {
  codecServer?: CodecServerOptions;
  logger: Logger;
}): RouteSet {
  const { codec, token, allowAnonymous = false, origins = [] } = codecServer;
  const gate = bearerGate('/codec', 'settle-codec', logger);

  /** The Web UI calls from its own origin; only the configured ones are answered with CORS headers. */
  const allowOrigin = (req: Request, res: Response) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin === undefined || !origins.includes(origin)) return;
    res.set({
      'Access-Control-Allow-Origin': origin,
      // The Web UI's "include cross-origin credentials" sends cookies, e.g. to a login proxy in front.
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
      'Access-Control-Max-Age': '600',
    });
  };

  const guard: RequestHandler = (req, res, next) => {
    allowOrigin(req, res);
    if (!codec) return void res.status(503).json({ error: 'codec server off: PAYLOAD_KEYS is unset' });
    if (token !== undefined) {
      if (gate.admit(req, res, () => bearerAuthFailure(req.headers, token))) next();
      return;
    }
    if (!allowAnonymous)
      return void res
        .status(503)
        .json({ error: 'codec server off: set CODEC_TOKEN (or CODEC_ALLOW_ANONYMOUS)' });
    next();
  };

  const codecRoute = (operation: 'encode' | 'decode', summary: string, description: string) => [
    route({
      method: 'options',
      path: `/codec/${operation}`,
      operationId: `${operation}PayloadsPreflight`,
      summary: `CORS preflight of /codec/${operation}`,
      validate: 'contract',
      responses: { 204: { description: 'The CORS headers, for an origin in CODEC_ORIGINS.' } },
      handle: (req, res) => {
        allowOrigin(req, res);
        res.status(204).end();
      },
    }),
    route({
      method: 'post',
      path: `/codec/${operation}`,
      operationId: `${operation}Payloads`,
      summary,
      description,
      security: [codecBearer],
      guard,
      request: {
        body: {
          schema: codecBodySchema,
          contentType: 'application/json',
          read: 'json',
          limit: CODEC_BODY_LIMIT,
        },
      },
      validate: 'contract',
      responses: {
        200: { description: 'The payloads, in the order sent.', body: codecBodySchema },
        ...CODEC_ERRORS,
      },
      handle: async (_req, res, { body }) => {
        try {
          const payloads = await codec![operation](body.payloads.map(fromJson));
          res.json({ payloads: payloads.map(toJson) } satisfies CodecBody);
        } catch (error) {
          if (!(error instanceof PayloadDecryptionError)) throw error;
          res.status(400).json({ error: error.message });
        }
      },
    }),
  ];

  return {
    schemas: {
      CodecPayloads: [
        codecBodySchema,
        "Payloads in the protobuf's JSON form: metadata values and data in base64.",
      ],
    },
    routes: [
      ...codecRoute(
        'decode',
        'Decrypt payloads (codec server)',
        'Opens payloads encrypted with any key of PAYLOAD_KEYS; payloads in clear come back as they are. ' +
          'A payload whose key id is not configured, or that was altered, is refused (400) naming the key id.',
      ),
      ...codecRoute(
        'encode',
        'Encrypt payloads (codec server)',
        'Seals payloads with the current key of PAYLOAD_KEYS.',
      ),
    ],
  };
}

const bytes = (value: string) => Buffer.from(value, 'base64');
const base64Of = (value: Uint8Array) => Buffer.from(value).toString('base64');

function fromJson({ metadata = {}, data = '' }: CodecBody['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, bytes(value)])),
    data: bytes(data),
  };
}

function toJson({ metadata, data }: Payload): CodecBody['payloads'][number] {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [key, base64Of(value)]),
    ),
    data: base64Of(data ?? new Uint8Array()),
  };
}
