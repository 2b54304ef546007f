import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { Logger } from '../../config/logger';
import type { PaymentCommandInput } from '../../domain/paymentCommand';
import {
  MAX_INPUT_BYTES,
  MAX_NESTING,
  UnstartableCommandError,
  startPaymentCommand,
} from '../../oms/startCommand';

/**
 * A command that can never start is refused before Temporal is asked: the client below reaches no server
 * (nothing listens on port 1), so any attempt to start would fail with a connection error instead.
 */
describe('a command input that can never start', () => {
  const connection = Connection.lazy({
    address: '127.0.0.1:1',
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
  });
  const starter = {
    temporal: new Client({ connection }),
    taskQueue: 'unused',
    logger: { debug() {}, info() {}, warn() {}, error() {} } satisfies Logger,
  };
  afterAll(() => connection.close());

  const inputWith = (context: unknown) =>
    ({
      command: 'capture',
      reference: 'P',
      provider: 'gateway',
      transactionId: 'a',
      amountMinor: 100,
      currency: 'EUR',
      settlement: { deadlineMs: Infinity },
      reply: { door: 'test', context },
    }) as unknown as PaymentCommandInput;
  const start = (context: unknown) =>
    startPaymentCommand(starter, inputWith(context), { workflowId: 'payment:P:capture:0', orderId: 'P' });
  const nested = (levels: number): unknown => (levels === 0 ? 'leaf' : { next: nested(levels - 1) });

  it(`refuses a context nested deeper than ${MAX_NESTING} levels, naming the path`, async () => {
    const error = await start({ payment: nested(MAX_NESTING + 1) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnstartableCommandError);
    expect(error).toMatchObject({
      path: `payment${'.next'.repeat(MAX_NESTING)}`,
      message: `nested deeper than ${MAX_NESTING} levels`,
    });
  });

  it(`refuses an input of more than ${MAX_INPUT_BYTES} bytes as JSON, naming its largest field`, async () => {
    const error = await start({ small: 1, payment: { lines: 'x'.repeat(MAX_INPUT_BYTES) } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnstartableCommandError);
    expect(error).toMatchObject({ path: 'payment', message: expect.stringMatching(/bytes as JSON/) });
  });

  it('asks Temporal for a context at the limits (and fails here only because none is reachable)', async () => {
    const error = await start({ payment: nested(MAX_NESTING) }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(UnstartableCommandError);
  });
});
