import { isIP } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import { z } from 'zod';
import type { ConfigOf } from '../config';
import type { Logger } from '../config/logger';
import { createPayloadCodec, PayloadDecryptionError } from '../config/payloadCodec';
import { parsePayloadKeys } from '../config/payloadKeys';
import { listen, type RunningServer } from '../config/server';
import { errorHandler } from './app';
import { bearerAuthFailure } from '../http/callerAuth';
import { requestScope } from '../http/requestScope';
import {
  MB,
  errorBodySchema,
  mountRoutes,
  route,
  type ResponseSpec,
  type RouteSet,
  httpAuth,
} from '../http/contract';
import { openApiDocument } from './openapi';
import { bearerGate, throttledResponse } from '../http/throttle';

/**
 * Temporal's codec-server protocol, for the Web UI ("Codec Server" endpoint
 * `http://<CODEC_HOST>:<CODEC_PORT>/codec`) and the CLI (`--codec-endpoint …/codec`): `POST /codec/decode`
 * opens payloads with PAYLOAD_KEYS, `POST /codec/encode` seals them, each `{payloads: [{metadata, data}]}`
 * with base64 values. It decrypts whatever it is sent, so it never shares the public API's port: it has a
 * listener of its own, bound to loopback unless told otherwise, open only with keys and a token or anonymous
 * access, and anonymous access is refused on an address other hosts reach (config/sections.ts, codecSettings).
 */

type CodecConfig = Pick<
  ConfigOf<'temporal' | 'codec'>,
  'PAYLOAD_KEYS' | 'CODEC_TOKEN' | 'CODEC_ALLOW_ANONYMOUS' | 'CODEC_ORIGINS' | 'CODEC_PORT' | 'CODEC_HOST'
>;

/** 127.0.0.0/8, ::1 and localhost: only this machine reaches them. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** Why the codec listener may not start as configured, or undefined. */
export function codecListenerRefusal(
  config: Pick<CodecConfig, 'CODEC_ALLOW_ANONYMOUS' | 'CODEC_HOST' | 'CODEC_TOKEN'>,
): string | undefined {
  if (config.CODEC_ALLOW_ANONYMOUS && config.CODEC_TOKEN === undefined && !isLoopback(config.CODEC_HOST))
    return (
      `CODEC_ALLOW_ANONYMOUS=true would decrypt payloads for anyone who reaches CODEC_HOST=${config.CODEC_HOST}: ` +
      'bind the codec listener to loopback (CODEC_HOST=127.0.0.1, and a port-forward or proxy in front), or set CODEC_TOKEN'
    );
  return undefined;
}

/** The codec routes and their document, on an app of their own. */
export function createCodecApp(options: CodecServerOptions, logger: Logger): Express {
  const sets: RouteSet[] = [];
  let document: unknown;
  sets.push(codecRoutes({ codecServer: options, logger }), {
    routes: [
      route({
        method: 'get',
        path: '/openapi.json',
        operationId: 'codecOpenApiDocument',
        summary: "The codec listener's document",
        validate: 'contract',
        responses: { 200: { description: 'The OpenAPI 3.1 document.', body: z.looseObject({}) } },
        handle: (_req, res) => res.json((document ??= openApiDocument(sets))),
      }),
    ],
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(requestScope());
  app.use(mountRoutes(sets, logger));
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorHandler(logger));
  return app;
}

/**
 * The codec listener of an API process: refused (an error naming why) when anonymous on an address other
 * hosts reach; none without PAYLOAD_KEYS (nothing to decrypt) or without a token or anonymous access (no one
 * could be let in). `port` overrides CODEC_PORT (0 picks a free one).
 */
export async function startCodecServer(
  config: CodecConfig,
  logger: Logger,
  port: number = config.CODEC_PORT,
): Promise<RunningServer | undefined> {
  const refusal = codecListenerRefusal(config);
  if (refusal) throw new Error(`codec server refused: ${refusal}`);
  if (config.PAYLOAD_KEYS === undefined) return undefined;
  if (config.CODEC_TOKEN === undefined && !config.CODEC_ALLOW_ANONYMOUS) {
    logger.info(
      'codec server off: set CODEC_TOKEN (or CODEC_ALLOW_ANONYMOUS) to decrypt for the Web UI and CLI',
    );
    return undefined;
  }
  return listen(createCodecApp(codecServerOptions(config), logger), port, config.CODEC_HOST);
}

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

const codecBearer = httpAuth(
  'codecBearer',
  'bearer',
  '`Authorization: Bearer <CODEC_TOKEN>` (`codec.token`): the codec server.',
);

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
  const allowOrigin = cors({
    origin: [...origins],
    // The Web UI's "include cross-origin credentials" sends cookies, e.g. to a login proxy in front.
    credentials: true,
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
    maxAge: 600,
    // The preflight is a declared route (below), which answers it.
    preflightContinue: true,
  });

  const guard: RequestHandler = (req, res, next) => allowOrigin(req, res, () => admit(req, res, next));
  const admit: RequestHandler = (req, res, next) => {
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
      guard: allowOrigin,
      handle: (_req, res) => void res.status(204).end(),
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
