// The real gateway with the stripe payment method, paid through webhooks signed by the npm
// stripe package (stripe.webhooks.generateTestHeaderString), as Stripe's own servers sign them.
// The Stripe API it talks to is a small fake on a loopback port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { startGateway } from './harness.mjs';

const require = createRequire(import.meta.url);
const Stripe = require('stripe');

const SECRET_KEY = 'sk_test_' + randomBytes(12).toString('hex');
const WEBHOOK_SECRET = 'whsec_' + randomBytes(16).toString('hex');
const stripe = new Stripe('sk_test_not_used');

// Checkout Sessions as POST/GET /v1/checkout/sessions answer them.
const sessions = new Map();
const api = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    const reply = (status, object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(object));
    };
    if (req.headers.authorization !== `Bearer ${SECRET_KEY}`) {
      return reply(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    }
    if (req.method === 'POST' && req.url === '/v1/checkout/sessions') {
      const form = new URLSearchParams(body);
      const id = 'cs_test_' + randomBytes(24).toString('hex');
      const session = {
        id, object: 'checkout.session', mode: form.get('mode'), status: 'open', payment_status: 'unpaid',
        amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
        currency: form.get('line_items[0][price_data][currency]'),
        client_reference_id: form.get('client_reference_id'), expires_at: Number(form.get('expires_at')),
        metadata: { topup_id: form.get('metadata[topup_id]') }, url: `https://checkout.stripe.com/c/pay/${id}`,
      };
      sessions.set(id, session);
      return reply(200, session);
    }
    const match = req.url.match(/^\/v1\/checkout\/sessions\/(cs_\w+)$/);
    if (req.method === 'GET' && match && sessions.has(match[1])) return reply(200, sessions.get(match[1]));
    reply(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such object' } });
  });
});

let gw;
before(async () => {
  await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));
  gw = await startGateway(`
log:
  level: debug
billing:
  rates: {usd_per_btc: 50000}
payments:
  - name: stripe
    plugin: stripe
    secret_key: ${SECRET_KEY}
    webhook_secret: ${WEBHOOK_SECRET}
    api_base: http://127.0.0.1:${api.address().port}
    success_url: https://gateway.example/paid?session={CHECKOUT_SESSION_ID}
    check_interval_seconds: 0
providers:
  - name: mock
    plugin: mock
    models:
      - id: paid
        price: {request: 1000}
        max_output_tokens: 20
`);
});
after(async () => {
  const code = await gw.stop();
  api.close();
  assert.equal(code, 0, 'clean exit on SIGTERM');
});

const url = (path) => `http://127.0.0.1:${gw.port}${path}`;
const post = (path, body, headers = {}) =>
  fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

async function newTopup(amount) {
  const r = await post('/v1/topup/stripe', JSON.stringify({ amount, currency: 'USD' }));
  assert.equal(r.status, 201, await r.clone().text());
  return r.json();
}

// A checkout.session.completed event for the session, paid, as Stripe sends it. A forged one
// leaves the session unpaid at Stripe, so that reading it back credits nothing either.
function paidEvent(sessionId, { forged = false } = {}) {
  const session = { ...sessions.get(sessionId), status: 'complete', payment_status: 'paid', url: null };
  if (!forged) sessions.set(sessionId, session);
  return JSON.stringify({ id: 'evt_' + randomBytes(12).toString('hex'), object: 'event', api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000), data: { object: session }, livemode: false, pending_webhooks: 1,
    request: { id: null, idempotency_key: null }, type: 'checkout.session.completed' }, null, 2);
}

const deliver = (payload, header) => post('/v1/webhooks/stripe', payload, { 'stripe-signature': header });

test('a webhook signed by the stripe package credits the top-up, which becomes a spend token', async () => {
  const topup = await newTopup('2.00');
  assert.equal(topup.status, 'pending');
  assert.equal(topup.amount_msat, 4_000_000);
  assert.ok(sessions.has(topup.session_id));
  const payload = paidEvent(topup.session_id);
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  const r = await deliver(payload, header);
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await r.json()).outcome, 'credited');
  assert.equal((await deliver(payload, header)).status, 200);

  const status = await (await fetch(url(`/v1/topup/${topup.topup_id}`))).json();
  assert.equal(status.status, 'paid');
  assert.equal(status.paid_msat, 4_000_000);
  // The session's metadata names the top-up; only the creator's charge_id claims its token.
  assert.equal(sessions.get(topup.session_id).metadata.topup_id, topup.topup_id);
  assert.equal((await post('/v1/tokens', JSON.stringify({ charge_id: topup.topup_id }))).status, 404);
  const claimed = await post('/v1/tokens', JSON.stringify({ charge_id: topup.charge_id }));
  assert.equal(claimed.status, 201);
  assert.equal((await claimed.json()).balance_msat, 4_000_000);
});

test('tampered, foreign, stale and v0-only signatures are refused and credit nothing', async () => {
  const topup = await newTopup('1.00');
  const payload = paidEvent(topup.session_id, { forged: true });
  const now = Math.floor(Date.now() / 1000);
  const refused = [
    [payload.replace('"paid"', '"unpaid"'), stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET })],
    [payload, stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' })],
    [payload, stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: now - 3600 })],
    [payload, stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, scheme: 'v0' })],
  ];
  for (const [body, header] of refused) {
    const r = await deliver(body, header);
    assert.equal(r.status, 400, header);
    assert.equal((await r.json()).error.type, 'invalid_request_error');
  }
  const status = await (await fetch(url(`/v1/topup/${topup.topup_id}`))).json();
  assert.equal(status.status, 'pending');
  assert.equal(status.paid_msat, 0);
});

test('neither secret ever reaches the logs', async () => {
  const topup = await newTopup('1.50');
  const payload = paidEvent(topup.session_id);
  await deliver(payload, 't=1,v1=00');
  await deliver(payload, stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }));
  const logs = gw.logs();
  assert.match(logs, /paid \(webhook\)/);
  assert.ok(!logs.includes(SECRET_KEY), 'secret key logged');
  assert.ok(!logs.includes(WEBHOOK_SECRET), 'webhook secret logged');
});
