import { GATEWAY_SIGNATURE_HEADER } from '../../providers/gateway';
import { signPayload } from '../../domain/signature';

/** A gateway webhook as the gateway simulator sends it: its body, and headers signed with `secret`. */
export function gatewayEvent(
  secret: string | undefined,
  {
    eventId,
    operationId,
    status = 'succeeded',
    workflowId,
  }: { eventId: string; operationId: string; status?: string; workflowId: string },
): { body: string; headers: Record<string, string> } {
  if (!secret) throw new Error('the gateway is not configured: no GATEWAY_WEBHOOK_SECRET');
  const body = JSON.stringify({
    id: eventId,
    type: `capture.${status}`,
    data: { operation: { id: operationId, status, metadata: { workflow_id: workflowId } } },
  });
  const signature = signPayload(secret, body, Math.floor(Date.now() / 1000));
  return { body, headers: { [GATEWAY_SIGNATURE_HEADER]: signature } };
}
