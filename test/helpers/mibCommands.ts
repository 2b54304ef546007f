import { mibMethod } from '../../oms/mib/methods';
import { sendMibCommand } from '../../sim/mib/sendCommand';

/** One transaction of a MOM payment, as MIB sends it. */
type Transaction = Readonly<Record<string, unknown>>;

/**
 * A capture as MIB sends it to Settle's API at `apiUrl` (a payment in EUR with `transaction`, authorized as
 * `auth_<reference>`); resolves with the workflow id Settle answers, and fails the test on any other answer.
 */
export async function captureThroughMib(
  apiUrl: string,
  secret: string,
  reference: string,
  transaction: Transaction = { amount: '25.00' },
): Promise<string> {
  const { gateway_information: gateway, ...rest } = transaction as { gateway_information?: Transaction };
  const answer = await sendMibCommand(
    apiUrl,
    {
      jsonrpc: '2.0',
      id: reference,
      method: mibMethod('capture'),
      params: {
        payment: {
          reference,
          currency: 'EUR',
          transactions: [
            { ...rest, gateway_information: { ...gateway, transaction_id: `auth_${reference}` } },
          ],
        },
      },
    },
    { secret },
  );
  if (answer.status !== 200)
    throw new Error(`capture ${reference}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return (answer.body as { result: { workflow_id: string } }).result.workflow_id;
}
