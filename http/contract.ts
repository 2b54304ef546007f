import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { z } from 'zod';
import type { Logger } from '../config/logger';
import { issuesOf } from '../domain/issues';
import { scoped, scopedErrors } from './requestScope';

/**
 * The HTTP contract, declared once per route: what it accepts and answers, its body limit and how callers
 * authenticate. One declaration mounts the route on Express (body parsing within the limit, validation of
 * what the contract validates) and describes it in the OpenAPI document (api/openapi.ts), so that the two
 * cannot drift. Each front door declares its routes with `route()` in its own folder (oms/<door>/routes.ts).
 *
 * A registry of our own rather than @asteasolutions/zod-to-openapi: its converter is not zod's and loses
 * what zod's keeps (a unicode regex becomes the pattern `…$/u`), and its `.openapi()` must be patched into
 * zod before any schema is built, which would make every schema module depend on import order. Here the
 * schemas go through zod's own z.toJSONSchema, and the rest of the document is a few plain objects.
 */

export const KB = 1024;
export const MB = 1024 * KB;

/** `256 kB`, `1 MB`: a body limit as the document words it. */
export function formatBytes(bytes: number): string {
  if (bytes % MB === 0) return `${bytes / MB} MB`;
  if (bytes % KB === 0) return `${bytes / KB} kB`;
  return `${bytes} bytes`;
}

/** A security scheme of the document (components/securitySchemes), named once and used by routes. */
export interface SecurityScheme {
  readonly name: string;
  readonly scheme: Readonly<Record<string, unknown>> & { readonly type: string };
}

/** A scheme of HTTP authentication (`Authorization: Bearer …` or `Basic …`). */
export function httpAuth(name: string, scheme: 'bearer' | 'basic', description: string): SecurityScheme {
  return { name, scheme: { type: 'http', scheme, description } };
}

export interface RequestBody<B extends z.ZodType> {
  readonly schema: B;
  readonly description?: string;
  readonly contentType: 'application/json';
  /**
   * raw: the bytes as sent (a Buffer, whatever the content type), e.g. for a signature over them; json: parsed
   * when the content type is JSON.
   */
  readonly read: 'raw' | 'json';
  /** In bytes; a larger body is refused with 413 before the handler runs. The document shows it as `x-body-limit`. */
  readonly limit: number;
}

/** A JSON body within `limit` bytes, parsed (`json`) or kept as sent (`raw`). */
export function jsonBody<B extends z.ZodType>(
  schema: B,
  limit: number,
  read: RequestBody<B>['read'] = 'json',
): RequestBody<B> {
  return { schema, contentType: 'application/json', read, limit };
}

export interface ResponseSpec {
  readonly description: string;
  /** The JSON body; none for an answer without content. */
  readonly body?: z.ZodType;
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: z.ZodType }>>;
}

export type Issue = { path: string; message: string };

/**
 * How a route words the refusals the contract makes for it. The contract decides the status: 400 for input
 * that violates the declared schemas or a JSON body that does not parse, 413 for a body over the limit, the
 * error's own status (500 unless it has one) for anything else, which is logged.
 */
export interface Refusals {
  invalid(issues: Issue[]): unknown;
  notJson(): unknown;
  tooLarge(): unknown;
  /** What tooLarge() answers, for the document's 413 response. */
  readonly tooLargeSchema: z.ZodType;
  failed(): unknown;
}

/** Every non-JSON-RPC error answer of the API. */
export const errorBodySchema = z.object({ error: z.string() });

/** A request refused for its input; each issue names the field, e.g. `body.outcome` or `query.phase`. */
export const invalidInputSchema = z.object({
  error: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});

/** The API's own refusals, outside JSON-RPC. */
export const plainRefusals: Refusals = {
  invalid: (issues) => ({ error: 'invalid request', issues }) satisfies z.input<typeof invalidInputSchema>,
  notJson: () => ({ error: 'invalid request', issues: [{ path: 'body', message: 'not valid JSON' }] }),
  tooLarge: () => ({ error: 'the body is too large' }),
  tooLargeSchema: errorBodySchema,
  failed: () => ({ error: 'Internal error' }),
};

/** The schemas every document names (api/openapi.ts); the plain refusals answer with them. */
export const CONTRACT_SCHEMAS: NamedSchemas = {
  Error: [errorBodySchema, 'An error outside JSON-RPC.'],
  InvalidInput: [invalidInputSchema, 'The request is invalid; issues name each field and what is wrong.'],
};

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
type Input<P, Q, B> = { readonly params: Out<P>; readonly query: Out<Q>; readonly body: Out<B> };
type Schema = z.ZodType | undefined;

export interface RouteDeclaration<
  P extends Schema,
  Q extends Schema,
  B extends Schema,
  V extends 'contract' | 'handler',
> {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';
  /** Express syntax, `/payments/:id`; the document writes `/payments/{id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  /** The ways to authenticate, any one of which suffices; none: the route is open. */
  readonly security?: readonly SecurityScheme[];
  /**
   * Runs before the body is read and before any input is validated, e.g. to authenticate the caller (see
   * identifyingGuard in http/throttle.ts): it answers the request itself to refuse it, so that a caller who
   * is not authenticated learns nothing of what the route would take.
   */
  readonly guard?: RequestHandler;
  readonly request?: {
    readonly params?: P & z.ZodObject;
    readonly query?: Q & z.ZodObject;
    readonly body?: RequestBody<NonNullable<B>>;
  };
  /**
   * contract: a request that violates params, query or body is refused (400, refusals.invalid) before the
   * handler runs, which gets the parsed input. handler: the handler checks the request and answers its own
   * errors (e.g. JSON-RPC); the schemas only document it.
   */
  readonly validate: V;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  readonly refusals?: Refusals;
  readonly handle: (
    req: Request,
    res: Response,
    input: V extends 'contract' ? Input<P, Q, B> : undefined,
  ) => unknown;
}

/** A declared route with its types erased, ready to be mounted and documented. */
export type Route = Omit<RouteDeclaration<Schema, Schema, Schema, 'contract' | 'handler'>, 'handle'> & {
  readonly refusals: Refusals;
  readonly handle: (req: Request, res: Response, input: unknown) => unknown;
};

export function route<
  P extends Schema = undefined,
  Q extends Schema = undefined,
  B extends Schema = undefined,
  V extends 'contract' | 'handler' = 'contract',
>(declaration: RouteDeclaration<P, Q, B, V>): Route {
  return { refusals: plainRefusals, ...declaration } as Route;
}

/** Schemas named in components/schemas, each with what it means; a route's schema among them is referred to. */
export type NamedSchemas = Readonly<Record<string, readonly [z.ZodType, string]>>;

/** What one part of the API (a front door, the webhooks, the operator API) contributes to the contract. */
export interface RouteSet {
  readonly routes: readonly Route[];
  readonly schemas?: NamedSchemas;
}

/** `/payments/:id` → `/payments/{id}`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** Mounts each route as declared: guard, body parser within its limit, validation, handler, refusals. */
export function mountRoutes(sets: readonly RouteSet[], logger: Logger): Router {
  const router = express.Router();
  for (const declared of sets.flatMap((set) => set.routes)) {
    const { body } = declared.request ?? {};
    // The template names the request in its metrics and its span, whatever path was sent.
    const steps: RequestHandler[] = [
      (_req, res, next) => {
        res.locals.route = declared.path;
        next();
      },
    ];
    if (declared.guard) steps.push(declared.guard);
    if (body)
      steps.push(
        body.read === 'raw'
          ? express.raw({ type: () => true, limit: body.limit })
          : express.json({ limit: body.limit }),
      );
    const handler: RequestHandler = async (req, res) => {
      if (declared.validate === 'handler') return void (await declared.handle(req, res, undefined));
      const input = validInput(declared, req);
      if ('issues' in input) res.status(400).json(declared.refusals.invalid(input.issues));
      else await declared.handle(req, res, input.valid);
    };
    router[declared.method](
      declared.path,
      ...[...steps, handler].map(scoped),
      scopedErrors(refusalsOf(declared, logger)),
    );
  }
  return router;
}

function validInput(declared: Route, req: Request): { valid: unknown } | { issues: Issue[] } {
  const parts = {
    params: [declared.request?.params, req.params],
    query: [declared.request?.query, req.query],
    body: [declared.request?.body?.schema, req.body],
  } as const;
  const valid: Record<string, unknown> = {};
  const issues: Issue[] = [];
  for (const [part, [schema, value]] of Object.entries(parts)) {
    if (!schema) continue;
    const parsed = schema.safeParse(value);
    if (parsed.success) valid[part] = parsed.data;
    else issues.push(...issuesOf(parsed.error, part));
  }
  return issues.length > 0 ? { issues } : { valid };
}

/** A body too large or not JSON is the caller's mistake; anything else is Settle's, and logged. */
function refusalsOf({ refusals, path }: Route, logger: Logger): ErrorRequestHandler {
  return (error: { type?: string; status?: number; message?: string }, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error.type === 'entity.too.large') return void res.status(413).json(refusals.tooLarge());
    if (error.type === 'entity.parse.failed') return void res.status(400).json(refusals.notJson());
    logger.error('request failed', { path: req.path, route: path, error: error.message });
    res.status(error.status ?? 500).json(refusals.failed());
  };
}
