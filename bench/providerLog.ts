import express, { type Express } from 'express';

/**
 * When the gateway received and answered each operation on an authorization (capture, refund, cancellation):
 * the provider's own view of when a command acted, whatever workflow carried the call. The provider call is a
 * local activity first (a marker recorded once it has finished, with no scheduled or started event), so the
 * histories cannot say when it began.
 */

export interface ProviderCall {
  readonly authorizationId: string;
  /** captures, refunds or cancellations. */
  readonly kind: string;
  readonly receivedAt: number;
  answeredAt?: number;
  status?: number;
}

const OPERATION = /^\/v1\/authorizations\/([^/]+)\/(captures|refunds|cancellations)$/;

export class ProviderLog {
  readonly calls: ProviderCall[] = [];

  /** The gateway's app behind a recorder of its operations. */
  wrap(gateway: Express): Express {
    const app = express();
    app.use((req, res, next) => {
      const match = req.method === 'POST' ? OPERATION.exec(req.path) : null;
      if (match) {
        const call: ProviderCall = { authorizationId: match[1]!, kind: match[2]!, receivedAt: Date.now() };
        this.calls.push(call);
        res.once('finish', () => {
          call.answeredAt = Date.now();
          call.status = res.statusCode;
        });
      }
      next();
    });
    app.use(gateway);
    return app;
  }

  /** The operations on `authorizationId`, in the order the gateway received them. */
  on(authorizationId: string): ProviderCall[] {
    return this.calls.filter((call) => call.authorizationId === authorizationId);
  }
}
