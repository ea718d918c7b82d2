// L402 with the official `openai` package: a fetch wrapper does what an L402-aware client does —
// reads the 402's WWW-Authenticate header, checks the invoice with npm bolt11, pays it through the
// dev backend's wallet stand-in and retries with Authorization: L402 <macaroon>:<preimage>.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import OpenAI from 'openai';
import { startGateway } from './harness.mjs';

const require = createRequire(import.meta.url);
const bolt11 = require('bolt11');
const REGTEST = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] };

const CONFIG = `
payments:
  - name: lightning
    plugin: lightning
    backend: dev
providers:
  - name: mock
    plugin: mock
    models:
      - id: paid
        price: {input: 1000000, output: 1000000, request: 3000}
        max_output_tokens: 40
`;

let gw;
const paid = [];  // what the wrapper paid, per retry
before(async () => { gw = await startGateway(CONFIG); });
after(async () => { assert.equal(await gw.stop(), 0); });

async function l402Fetch(url, init) {
  const first = await fetch(url, init);
  if (first.status !== 402) return first;
  const header = first.headers.get('www-authenticate');
  const m = /L402 macaroon="([^"]+)", invoice="([^"]+)"/.exec(header);
  assert.ok(m, `an L402 challenge: ${header}`);
  const [, mac, invoice] = m;
  const body = await first.json();
  const decoded = bolt11.decode(invoice, REGTEST);  // throws on a bad signature
  assert.equal(decoded.millisatoshis, String(body.payment.amount_msat));
  assert.equal(decoded.tagsObject.payment_hash, body.payment.payment_hash);
  const pay = await fetch(`http://127.0.0.1:${gw.port}/dev/lightning/pay`, {
    method: 'POST', body: JSON.stringify({ invoice }),
  });
  assert.equal(pay.status, 200);
  const { preimage } = await pay.json();
  assert.equal(createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex'), body.payment.payment_hash);
  paid.push(body.payment.amount_msat);
  const headers = new Headers(init.headers);
  headers.set('authorization', `L402 ${mac}:${preimage}`);
  return fetch(url, { ...init, headers });
}

test('a chat completion paid per request over Lightning', async () => {
  // No account: the SDK insists on an apiKey, so it is a placeholder and its header is dropped.
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', fetch: l402Fetch, maxRetries: 0,
                              defaultHeaders: { Authorization: null } });
  const r = await client.chat.completions.create({ model: 'paid', messages: [{ role: 'user', content: 'pay me' }] });
  assert.equal(r.choices[0].message.content, 'Mock reply from paid: pay me');
  assert.ok(r.usage.cost > 3000 && r.usage.cost <= paid.at(-1), `cost ${r.usage.cost} within what was paid`);

  const stream = await client.chat.completions.create({
    model: 'paid', messages: [{ role: 'user', content: 'stream it' }], stream: true,
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, 'Mock reply from paid: stream it');
  assert.equal(paid.length, 2);
});

test('a spent credential is refused on replay', async () => {
  const url = `${gw.baseURL}/chat/completions`;
  const init = { method: 'POST', body: JSON.stringify({ model: 'paid', messages: [{ role: 'user', content: 'x' }] }) };
  const first = await fetch(url, init);
  const m = /L402 macaroon="([^"]+)", invoice="([^"]+)"/.exec(first.headers.get('www-authenticate'));
  const { preimage } = await (await fetch(`http://127.0.0.1:${gw.port}/dev/lightning/pay`, {
    method: 'POST', body: JSON.stringify({ invoice: m[2] }),
  })).json();
  const auth = { authorization: `L402 ${m[1]}:${preimage}` };
  assert.equal((await fetch(url, { ...init, headers: auth })).status, 200);
  const replay = await fetch(url, { ...init, headers: auth });
  assert.equal(replay.status, 401);
  assert.equal((await replay.json()).error.code, 'l402_credential_used');
});
