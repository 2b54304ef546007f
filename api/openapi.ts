import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../config/projectRoot';
import {
  CONTRACT_SCHEMAS,
  formatBytes,
  openApiPath,
  type ResponseSpec,
  type Route,
  type RouteSet,
} from '../http/contract';

/**
 * The OpenAPI 3.1 document of the declared routes (http/contract.ts), served at `GET /openapi.json`. Its
 * schemas are converted with z.toJSONSchema from the zod schemas the routes validate with (OpenAPI 3.1
 * schemas are JSON Schema 2020-12), so the document describes what the code checks.
 */

type Meta = { id?: string; description?: string };
type JsonSchema = Record<string, unknown>;

/** The names and descriptions given here, over what the schemas say of themselves (`.describe()`). */
class DocumentRegistry extends z.core.$ZodRegistry<Meta> {
  override get<S extends z.core.$ZodType>(schema: S): Meta | undefined {
    const own = super.get(schema);
    const global = z.globalRegistry.get(schema);
    return own || global ? { ...global, ...own } : undefined;
  }
}

const COMPONENTS = '#/components/schemas/';
const INLINE = '__inline_';

/**
 * Converts every schema in one pass, so that a named schema, wherever it occurs, is a $ref to its component.
 * `convert(schema)` may be called for any schema until `components()` is called; the JSON it returns is filled
 * in then.
 */
function schemaConverter(named: Readonly<Record<string, readonly [z.ZodType, string]>>) {
  const registry = new DocumentRegistry();
  for (const [id, [schema, description]] of Object.entries(named)) registry.add(schema, { id, description });
  const inline = new Map<z.ZodType, { id: string; json: JsonSchema }>();
  return {
    convert(schema: z.ZodType): JsonSchema {
      const id = registry.get(schema)?.id;
      if (id && !id.startsWith(INLINE)) return { $ref: `${COMPONENTS}${id}` };
      const known = inline.get(schema);
      if (known) return known.json;
      const entry = { id: `${INLINE}${inline.size}`, json: {} };
      registry.add(schema, { ...z.globalRegistry.get(schema), id: entry.id });
      inline.set(schema, entry);
      return entry.json;
    },
    /** components/schemas; fills in the inline schemas handed out. */
    components(): Record<string, JsonSchema> {
      // io: 'input' describes what a client sends and what the schemas accept (unknown fields included).
      const { schemas } = z.toJSONSchema(registry, {
        io: 'input',
        metadata: registry,
        uri: (id) => `${COMPONENTS}${id}`,
      });
      // Inside an OpenAPI document a schema takes the document's dialect and is named by its place.
      const converted = Object.fromEntries(
        Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]),
      );
      for (const { id, json } of inline.values()) Object.assign(json, converted[id]);
      const components = Object.fromEntries(
        Object.entries(converted).filter(([id]) => !id.startsWith(INLINE)),
      );
      // A schema converted inline here but also found inside another has no place to be referred to.
      if (JSON.stringify(converted).includes(`"${COMPONENTS}${INLINE}`))
        throw new Error('a schema used by a route also occurs inside another: name it');
      return components;
    },
  };
}

type Convert = (schema: z.ZodType) => JsonSchema;

/** One parameter per field of the object schema; its description becomes the parameter's. */
function parameters(where: 'path' | 'query', object: z.ZodObject | undefined, convert: Convert) {
  return Object.entries(object?.shape ?? {}).map(([name, field]) => ({
    name,
    in: where,
    required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
    description: z.globalRegistry.get(field as z.ZodType)?.description,
    schema: convert(field as z.ZodType),
  }));
}

const json = (schema: z.ZodType, convert: Convert) => ({ 'application/json': { schema: convert(schema) } });

function response({ description, body, headers }: ResponseSpec, convert: Convert) {
  return {
    description,
    ...(headers && {
      headers: Object.fromEntries(
        Object.entries(headers).map(([name, header]) => [
          name,
          { description: header.description, schema: convert(header.schema) },
        ]),
      ),
    }),
    ...(body && { content: json(body, convert) }),
  };
}

function operation(declared: Route, convert: Convert) {
  const { request = {}, responses, refusals } = declared;
  const { body } = request;
  // Query and body are what a caller gets wrong; a path parameter's schema (an id) may accept any segment.
  if (declared.validate === 'contract' && (request.query || body) && !responses[400])
    throw new Error(`${declared.method} ${declared.path} validates its input: declare its 400 answer`);
  const params = [
    ...parameters('path', request.params, convert),
    ...parameters('query', request.query, convert),
  ];
  const limit = body && formatBytes(body.limit);
  return {
    operationId: declared.operationId,
    summary: declared.summary,
    ...(declared.description && { description: declared.description }),
    ...(declared.security && { security: declared.security.map(({ name }) => ({ [name]: [] })) }),
    ...(params.length > 0 && { parameters: params }),
    ...(body && {
      requestBody: {
        required: true,
        description: [body.description, `At most ${limit}.`].filter(Boolean).join(' '),
        content: { [body.contentType]: { schema: convert(body.schema) } },
        'x-body-limit': body.limit,
      },
    }),
    responses: Object.fromEntries([
      ...Object.entries(responses).map(([status, spec]) => [status, response(spec, convert)]),
      ...(body
        ? [
            [
              '413',
              response({ description: `The body is over ${limit}.`, body: refusals.tooLargeSchema }, convert),
            ],
          ]
        : []),
    ]),
  };
}

function securitySchemes(routes: readonly Route[]) {
  const schemes = new Map(routes.flatMap((r) => r.security ?? []).map((s) => [s.name, s]));
  return Object.fromEntries([...schemes].map(([name, { scheme }]) => [name, scheme]));
}

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

export function openApiDocument(sets: readonly RouteSet[]) {
  const routes = sets.flatMap((set) => set.routes);
  const { convert, components } = schemaConverter(
    Object.assign({}, CONTRACT_SCHEMAS, ...sets.map((set) => set.schemas ?? {})),
  );
  const paths: Record<string, Record<string, unknown>> = {};
  for (const declared of routes)
    (paths[openApiPath(declared.path)] ??= {})[declared.method] = operation(declared, convert);
  return {
    openapi: '3.1.1',
    info: {
      title: 'Settle',
      version: VERSION,
      description:
        'Settle carries payment commands from an order management system (MIB: JSON-RPC 2.0) to a payment ' +
        'provider and reports each outcome back as a notification, through Temporal workflows.',
    },
    paths,
    components: { schemas: components(), securitySchemes: securitySchemes(routes) },
  };
}
