import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A customer paying on a hosted payment page over plain HTTP, as a browser without scripts would: it opens
 * the page (Settle's `/pay/<token>`, or the gateway's card form itself), follows the link into the gateway's
 * card form, submits a test card, answers the 3-D Secure challenge, and follows redirects and page refreshes
 * back to the shop's success or cancel URL. The shop simulators play their customers with it.
 */

/** What the customer does on the card form. */
export type CustomerChoice =
  /** A card that pays without a challenge. */
  | 'pay'
  /** A card that asks for 3-D Secure, and the challenge passed, failed, or left without an answer. */
  | 'challenge-pass'
  | 'challenge-fail'
  | 'challenge-abandon'
  /** A card the bank declines. */
  | 'decline';

/** The gateway simulator's test cards (sim/gateway/checkout.ts). */
const CARDS: Readonly<Record<CustomerChoice, string>> = {
  pay: '4242 4242 4242 4242',
  'challenge-pass': '4000 0000 0000 3220',
  'challenge-fail': '4000 0000 0000 3220',
  'challenge-abandon': '4000 0000 0000 3220',
  decline: '4000 0000 0000 0002',
};

export interface CustomerOptions {
  readonly choice: CustomerChoice;
  /** Where the customer's journey ends (the shop's success and cancel URLs): not fetched, answered. */
  readonly stopAt?: (url: string) => boolean;
  /** How long the customer waits on pages that refresh themselves (preparing, confirming). */
  readonly patienceMs?: number;
}

export interface CustomerJourney {
  /** The URL the customer ended on: the shop's, or the last page that neither redirected nor refreshed. */
  readonly finalUrl: string;
  /** Every URL the customer's browser requested, in order. */
  readonly visited: readonly string[];
}

export class CustomerError extends Error {
  override readonly name = 'CustomerError';
}

export async function payOnPage(startUrl: string, options: CustomerOptions): Promise<CustomerJourney> {
  const visited: string[] = [];
  const deadline = Date.now() + (options.patienceMs ?? 60_000);
  let card = false;
  let challenge = false;
  let next: { url: string; method: 'GET' | 'POST'; form?: Record<string, string> } = {
    url: startUrl,
    method: 'GET',
  };
  for (;;) {
    if (options.stopAt?.(next.url)) return { finalUrl: next.url, visited };
    if (Date.now() > deadline)
      throw new CustomerError(`the customer gave up at ${next.url}: still no outcome after waiting`);
    visited.push(next.url);
    const response = await fetch(next.url, {
      method: next.method,
      redirect: 'manual',
      ...(next.form
        ? {
            body: new URLSearchParams(next.form).toString(),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }
        : {}),
    });
    const here = next.url;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      next = { url: new URL(location, here).toString(), method: 'GET' };
      continue;
    }
    const text = await response.text();
    if (response.status >= 400 && !/<form/i.test(text))
      throw new CustomerError(`${here} answered HTTP ${response.status}: ${textOf(text).slice(0, 200)}`);
    const cardForm = formAction(text, /action="([^"]*\/checkout\/[^"/]+)"/);
    const challengeForm = formAction(text, /action="([^"]*\/checkout\/[^"/]+\/challenge)"/);
    const gatewayLink = /<a[^>]*\bid="gateway-form"[^>]*\bhref="([^"]+)"/.exec(text)?.[1];
    const refresh = /<meta[^>]+http-equiv="refresh"[^>]+content="(\d+)(?:;\s*url=([^"]+))?"/i.exec(text);
    if (challengeForm && !challenge) {
      challenge = true;
      if (options.choice === 'challenge-abandon') {
        next = {
          url: new URL(challengeForm.replace(/challenge$/, 'abandon'), here).toString(),
          method: 'POST',
          form: {},
        };
      } else {
        const result = options.choice === 'challenge-fail' ? 'fail' : 'pass';
        next = { url: new URL(challengeForm, here).toString(), method: 'POST', form: { result } };
      }
    } else if (cardForm && !card) {
      card = true;
      next = {
        url: new URL(cardForm, here).toString(),
        method: 'POST',
        form: { number: CARDS[options.choice], expiry: '12/34', cvc: '123' },
      };
    } else if (cardForm || challengeForm) {
      throw new CustomerError(`${here} showed its form again: ${errorOf(text) ?? 'no reason given'}`);
    } else if (gatewayLink) {
      next = { url: new URL(decode(gatewayLink), here).toString(), method: 'GET' };
    } else if (refresh) {
      await sleep(Math.max(Number(refresh[1]) * 1000, 200));
      next = { url: refresh[2] ? new URL(decode(refresh[2]), here).toString() : here, method: 'GET' };
    } else {
      return { finalUrl: here, visited };
    }
  }
}

const formAction = (text: string, pattern: RegExp) => {
  const action = pattern.exec(text)?.[1];
  return action === undefined ? undefined : decode(action);
};

const errorOf = (text: string) => /role="alert">([^<]*)</.exec(text)?.[1];

const textOf = (text: string) =>
  text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The few entities an attribute escaped. */
const decode = (text: string) =>
  text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
