/**
 * An authorization set up at the gateway simulator (a POST without an Idempotency-Key), captured already by
 * `captured`, so that a refund can act on it at once; answers its id.
 */
export async function capturedAuthorization(
  gatewayUrl: string,
  apiKey: string,
  amount: number,
  captured = amount,
): Promise<string> {
  const response = await fetch(`${gatewayUrl}/v1/authorizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amount, currency: 'EUR', captured }),
  });
  return String(((await response.json()) as { id: string }).id);
}
