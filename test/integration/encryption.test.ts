import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { localDefaults } from '../../config';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, createPayloadCodec } from '../../config/payloadCodec';
import { parsePayloadKeys } from '../../config/payloadKeys';
import { mibMethod } from '../../oms/mib/methods';
import { resolveTemporalCli } from '../../scripts/temporal-binaries';
import { startStack, type Stack } from '../../scripts/stack';
import { sendMibCommand } from '../../sim/mib/sendCommand';
import { runEntryPoint } from '../helpers/processes';
import { createDevServerEnv, prebuiltBundle } from '../helpers/temporal';

type History = temporal.api.history.v1.IHistory;
type JsonPayload = { metadata?: Record<string, string>; data?: string };

/**
 * With PAYLOAD_KEYS, what Settle stores in Temporal is encrypted: a capture carried through the whole stack on
 * a dev server leaves no payment data and no failure text readable in its raw history (read by a client
 * without the codec), while Settle's clients, the codec server and the temporal CLI through it read it all.
 */
describe('payloads encrypted in Temporal (dev server)', () => {
  jest.setTimeout(180_000);
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  let connection: Connection;
  /** The payment's history and its act's (a child workflow, where the provider calls run). */
  let history: History;
  let workflowId: string;
  const KEYS = `k1:${randomBytes(32).toString('base64')}`;
  const CODEC_TOKEN = 'codec-test-token';
  const REFERENCE = 'PAY-CODEC-1';
  /** Pass-through fields of the OMS, which Settle carries in the workflow input and sends back. */
  const ACCOUNT = 'acct_CONFIDENTIAL_7731';
  const EMAIL = 'jane.private@example.com';

  beforeAll(async () => {
    env = await createDevServerEnv();
    stack = await startStack({
      address: env.address,
      env: { LOG_LEVEL: 'error', PAYLOAD_KEYS: KEYS, CODEC_TOKEN, CODEC_ORIGINS: 'http://localhost:8233' },
      gateway: { mode: 'immediate' },
      workerOptions: prebuiltBundle,
    });
    // MIB refuses the first notification: the reporting activity's failure is in the history.
    await fetch(`${stack.mib.url}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: 1, failStatus: 500 }),
    });
    const answer = await sendMibCommand(
      stack.api.url,
      {
        jsonrpc: '2.0',
        id: REFERENCE,
        method: mibMethod('capture'),
        params: {
          payment: {
            reference: REFERENCE,
            currency: 'EUR',
            custom_attributes: { customer_email: EMAIL },
            transactions: [
              { amount: '25.00', gateway_information: { transaction_id: 'auth_codec_1', account: ACCOUNT } },
            ],
          },
        },
      },
      { secret: stack.config.MIB_INTAKE_SECRET },
    );
    expect(answer.status).toBe(200);
    workflowId = (answer.body as { result: { workflow_id: string } }).result.workflow_id;
    // Settle's own client decodes the result.
    expect(await stack.temporal.workflow.getHandle(workflowId).result()).toMatchObject({
      outcome: 'settled',
    });
    connection = await Connection.connect({ address: env.address });
    const raw = new Client({ connection }).workflow;
    const parent = await raw.getHandle(workflowId).fetchHistory();
    const children = (parent.events ?? []).flatMap((event) => {
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      return child ? [raw.getHandle(child.workflowId!, child.runId!).fetchHistory()] : [];
    });
    const acts = await Promise.all(children);
    expect(acts).toHaveLength(1);
    history = { events: [...(parent.events ?? []), ...acts.flatMap((act) => act.events ?? [])] };
  });
  afterAll(async () => {
    await connection?.close();
    await stack?.stop();
    await env?.teardown();
  });

  /** Every payload of the histories, by where it is (inputs, results, failures' encoded attributes, …). */
  const payloadsOf = (value: unknown, path = '', found: [string, Payload][] = []): [string, Payload][] => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
    const object = value as Record<string, unknown>;
    if (object.metadata && typeof object.metadata === 'object' && object.data instanceof Uint8Array)
      found.push([path, object as Payload]);
    else for (const [key, inner] of Object.entries(object)) payloadsOf(inner, `${path}.${key}`, found);
    return found;
  };
  /**
   * Every text of the histories, bytes as Latin-1, less search attributes and workflow ids, which Temporal
   * keeps in clear by design (the id is derived from the reference).
   */
  const rawText = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
    if (value === null || typeof value !== 'object') return String(value);
    return Object.entries(value)
      .filter(([key]) => key !== 'searchAttributes' && key !== 'workflowId')
      .map(([, inner]) => rawText(inner))
      .join('\n');
  };
  const encodingOf = (payload: JsonPayload) => Buffer.from(payload.metadata!.encoding!, 'base64').toString();
  const toJson = (payload: Payload): JsonPayload => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata!).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data!).toString('base64'),
  });
  const codecCall = (
    operation: 'decode' | 'encode',
    payloads: JsonPayload[],
    headers: Record<string, string> = {},
  ) =>
    fetch(`${stack.api.url}/codec/${operation}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-namespace': 'default',
        authorization: `Bearer ${CODEC_TOKEN}`,
        ...headers,
      },
      body: JSON.stringify({ payloads }),
    });
  const decodedText = (payloads: JsonPayload[]) =>
    payloads.map((payload) => Buffer.from(payload.data ?? '', 'base64').toString()).join('\n');

  it('leaves no payment data in clear in the raw history: every payload is sealed with the current key', () => {
    // Search attributes are payloads too, which Temporal indexes: in clear by design.
    // So is the bookkeeping the SDK's core writes into a local activity's marker (attempt, times).
    const payloads = payloadsOf(history.events).filter(
      ([path]) =>
        !path.includes('.searchAttributes.') &&
        !path.includes('.markerRecordedEventAttributes.details.data.'),
    );
    expect(payloads.length).toBeGreaterThan(5);
    const sealing = ([path, payload]: [string, Payload]) => ({
      path,
      encoding: Buffer.from(payload.metadata!.encoding!).toString(),
      key: Buffer.from(payload.metadata![KEY_ID_METADATA] ?? []).toString(),
    });
    expect(payloads.map(sealing)).toEqual(
      payloads.map(([path]) => ({ path, encoding: ENCRYPTED_ENCODING, key: 'k1' })),
    );
    const text = rawText(history.events);
    for (const clear of [REFERENCE, ACCOUNT, EMAIL, 'auth_codec_1', '25.00', '2500'])
      expect(text).not.toContain(clear);
  });

  it('encrypts failure messages: the activity failure reads "Encoded failure", its text is in a sealed payload', async () => {
    const failures = (history.events ?? []).flatMap((event) =>
      event.activityTaskStartedEventAttributes?.lastFailure
        ? [event.activityTaskStartedEventAttributes.lastFailure]
        : [],
    );
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    expect(failure!.message).toBe('Encoded failure');
    expect(failure!.stackTrace ?? '').toBe('');
    expect(Buffer.from(failure!.encodedAttributes!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    const answer = await codecCall('decode', [toJson(failure!.encodedAttributes as Payload)]);
    expect(answer.status).toBe(200);
    const { message } = JSON.parse(
      decodedText(((await answer.json()) as { payloads: JsonPayload[] }).payloads),
    ) as {
      message: string;
    };
    expect(message).toMatch(/500/);
    expect(message).toContain('injected failure');
    expect(rawText(history.events)).not.toContain(message);
  });

  it('the codec server decodes what the worker encoded: the workflow input with the OMS fields', async () => {
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    const sealedInput = started.input!.payloads!.map((p) => toJson(p as Payload));
    expect(sealedInput.map(encodingOf)).toEqual([ENCRYPTED_ENCODING]);
    const answer = await codecCall(
      'decode',
      started.input!.payloads!.map((p) => toJson(p as Payload)),
    );
    expect(answer.status).toBe(200);
    const { payloads } = (await answer.json()) as { payloads: JsonPayload[] };
    expect(encodingOf(payloads[0]!)).toBe('json/plain');
    const input = decodedText(payloads);
    for (const clear of [REFERENCE, ACCOUNT, EMAIL]) expect(input).toContain(clear);
    // And encodes: what it seals, the codec opens.
    const sealed = await codecCall('encode', payloads);
    const [again] = ((await sealed.json()) as { payloads: JsonPayload[] }).payloads;
    expect(encodingOf(again!)).toBe(ENCRYPTED_ENCODING);
    const opened = await createPayloadCodec(parsePayloadKeys(KEYS)).decode([
      {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from('k1') },
        data: Buffer.from(again!.data!, 'base64'),
      },
    ]);
    expect(defaultPayloadConverter.fromPayload(opened[0]!)).toMatchObject({ reference: REFERENCE });
  });

  it('refuses a payload of an unknown key id clearly (400, naming the id), and callers without the token', async () => {
    const otherKeys = `k9:${randomBytes(32).toString('base64')}`;
    const [foreign] = await createPayloadCodec(parsePayloadKeys(otherKeys)).encode([
      defaultPayloadConverter.toPayload({ reference: REFERENCE }) as Payload,
    ]);
    const refused = await codecCall('decode', [toJson(foreign!)]);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: 'payload encrypted with key "k9", which PAYLOAD_KEYS does not hold (it holds "k1")',
    });
    const anonymous = await codecCall('decode', [], { authorization: '' });
    expect(anonymous.status).toBe(401);
    const wrong = await codecCall('decode', [], { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
  });

  it('answers the Web UI cross-origin for a configured origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.api.url}/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
    const allowed = await preflight('http://localhost:8233');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const post = await codecCall('decode', [], { origin: 'http://localhost:8233' });
    expect(post.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
  });

  it("the temporal CLI shows the decrypted input through the codec server; Settle's CLI and operator API read the status", async () => {
    const resolution = await resolveTemporalCli();
    if (resolution.executable.type !== 'existing-path')
      throw new Error('no temporal CLI: see test/README.md');
    const show = (extra: string[]) =>
      promisify(execFile)(
        resolution.executable.type === 'existing-path' ? resolution.executable.path : 'temporal',
        ['workflow', 'show', '--address', env.address, '-w', workflowId, '-o', 'json', ...extra],
        { maxBuffer: 16 * 1024 * 1024 },
      );
    /** The workflow input as the CLI shows it: its encoding and its data as text. */
    const inputOf = async (extra: string[]) => {
      const shown = JSON.parse((await show(extra)).stdout) as {
        events: { workflowExecutionStartedEventAttributes?: { input: { payloads: JsonPayload[] } } }[];
      };
      const [input] = shown.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads;
      return { encoding: encodingOf(input!), text: decodedText([input!]) };
    };
    expect((await inputOf([])).encoding).toBe(ENCRYPTED_ENCODING);
    const decoded = await inputOf([
      '--codec-endpoint',
      `${stack.api.url}/codec`,
      '--codec-auth',
      `Bearer ${CODEC_TOKEN}`,
    ]);
    expect(decoded.encoding).toBe('json/plain');
    expect(decoded.text).toContain(ACCOUNT);

    const operator = await fetch(`${stack.api.url}/payments/${encodeURIComponent(workflowId)}`, {
      headers: { authorization: `Bearer ${localDefaults().ADMIN_TOKEN}` },
    });
    expect(operator.status).toBe(200);
    expect(await operator.json()).toMatchObject({ workflowId, reference: REFERENCE });

    const cli = (keys: Record<string, string>) =>
      runEntryPoint('cli/main.ts', { PATH: process.env.PATH, TEMPORAL_ADDRESS: env.address, ...keys }, [
        'payments',
        'show',
        workflowId,
      ]);
    const withKeys = cli({ PAYLOAD_KEYS: KEYS });
    expect(await withKeys.exited).toBe(0);
    expect(withKeys.output()).toContain(REFERENCE);
    const withoutKeys = cli({});
    expect(await withoutKeys.exited).toBe(1);
    expect(withoutKeys.output()).toContain('payload encrypted with key "k1", but PAYLOAD_KEYS is unset');
  });
});
