import { checkoutPageCsp, checkoutPageHtml } from '../../api/checkoutPageMarkup';
import { html, scriptJson } from '../../domain/html';
import { pageView } from '../helpers/checkoutPageStack';

/** The payment page's markup: nothing a provider or a shop sends becomes markup, and each CSP allows one provider. */
describe('payment page markup', () => {
  const context = { nonce: 'n0nce', pagePath: '/pay/t', returnUrl: 'https://settle.example/pay/t/return' };

  it('escapes every interpolated value and keeps built markup as it is', () => {
    const name = '<img src=x onerror="alert(1)">';
    expect(html`<p title="${name}">${name}${html`<b>ok</b>`}</p>`.text).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;<b>ok</b></p>',
    );
    expect(scriptJson({ data: '</script><!--\u2028' }).text).toBe(
      '{"data":"\\u003c/script\\u003e\\u003c!--\\u2028"}',
    );
  });

  it("shows an order's reference and the link back, escaped", () => {
    const page = checkoutPageHtml(
      pageView({
        orderReference: 'DE--<1>',
        state: 'failed',
        reason: 'card_declined <b>',
        returnTo: { cancelUrl: 'https://shop.example/cancel?a=1&b="2"' },
      }),
      context,
    );
    expect(page).toContain('DE--&lt;1&gt;');
    expect(page).toContain('card_declined &lt;b&gt;');
    expect(page).toContain('href="https://shop.example/cancel?a=1&amp;b=&quot;2&quot;"');
    expect(page).toContain('<style nonce="n0nce">');
  });

  it('allows in its CSP only the origins of the provider whose component it shows', () => {
    const gateway = checkoutPageCsp('n0nce', {
      kind: 'gateway',
      formUrl: 'https://gateway.example/checkout/cs',
    });
    expect(gateway).toContain("script-src 'nonce-n0nce';");
    expect(gateway).not.toMatch(/stripe|adyen|unsafe/);
    const stripe = checkoutPageCsp('n0nce', {
      kind: 'stripe',
      clientSecret: 's',
      publishableKey: 'pk_test_1',
    });
    expect(stripe).toContain("script-src 'nonce-n0nce' https://js.stripe.com;");
    expect(stripe).toContain('frame-src https://js.stripe.com https://hooks.stripe.com;');
    expect(stripe).not.toContain('adyen');
    const adyen = checkoutPageCsp('n0nce', {
      kind: 'adyen',
      sessionId: 'CS1',
      sessionData: 'd',
      clientKey: 'test_1',
      environment: 'test',
    });
    expect(adyen).toContain("script-src 'nonce-n0nce' https://checkoutshopper-test.adyen.com;");
    expect(adyen).not.toContain('stripe');
    for (const policy of [gateway, stripe, adyen]) expect(policy).toContain("frame-ancestors 'none'");
  });
});
