import type { IncomingMessage } from 'node:http';

/** A request's whole body as text (the stand-ins read raw bodies: form-encoded for Stripe, JSON for Adyen). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => done(text));
    req.on('error', fail);
  });
}
