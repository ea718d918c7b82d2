// Turnpike's payment protocol libraries against independent implementations: the npm packages
// bolt11 (BOLT11), macaroon (libmacaroons V2) and stripe (webhook signatures). The C++ side is
// reached through the payment_vectors tool named by TURNPIKE_PAYMENT_VECTORS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bolt11 = require('bolt11');
const macaroon = require('macaroon');
const Stripe = require('stripe');

const TOOL = process.env.TURNPIKE_PAYMENT_VECTORS;
assert.ok(TOOL, 'TURNPIKE_PAYMENT_VECTORS must name the payment_vectors tool');

// Runs the tool; returns {status, json}.
function run(...args) {
  const r = spawnSync(TOOL, args, { encoding: 'utf8' });
  assert.notEqual(r.status, 2, `payment_vectors ${args[0]}: ${r.stderr}`);
  return { status: r.status, json: JSON.parse(r.stdout) };
}

const generated = run('generate').json;
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const sha256 = (data) => createHash('sha256').update(data).digest();
const SIGNET = { bech32: 'tbs', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] };

function tag(decoded, name) {
  const t = decoded.tags.find((x) => x.tagName === name);
  return t === undefined ? undefined : t.data;
}

test('npm bolt11 accepts and recovers the signer of every invoice we sign', () => {
  assert.equal(generated.invoices.length, 4);
  for (const inv of generated.invoices) {
    const d = bolt11.decode(inv.invoice, inv.network === 'signet' ? SIGNET : undefined);
    assert.equal(d.payeeNodeKey, generated.node_pubkey, inv.invoice);
    assert.equal(d.timestamp, inv.timestamp);
    assert.equal(d.millisatoshis, inv.amount_msat === null ? null : String(inv.amount_msat));
    assert.equal(tag(d, 'payment_hash'), inv.payment_hash);
    assert.equal(tag(d, 'payment_secret'), inv.payment_secret);
    if (inv.description !== undefined) assert.equal(tag(d, 'description'), inv.description);
    if (inv.description_hash !== undefined) assert.equal(tag(d, 'purpose_commit_hash'), inv.description_hash);
    if (inv.has_payee_field) assert.equal(tag(d, 'payee_node_key'), generated.node_pubkey);
    const expiry = tag(d, 'expire_time');
    assert.equal(expiry === undefined ? 3600 : expiry, inv.expiry);
    const cltv = tag(d, 'min_final_cltv_expiry');
    assert.equal(cltv === undefined ? 18 : cltv, inv.min_final_cltv_expiry);
    for (const f of inv.fallbacks) {
      const fb = tag(d, 'fallback_address');
      assert.equal(fb.code, f.version);
      assert.equal(fb.addressHash, f.program);
    }
    const routes = d.tags.filter((t) => t.tagName === 'routing_info').map((t) => t.data);
    assert.equal(routes.length, inv.route_hints.length);
    routes.forEach((route, i) => {
      route.forEach((hop, k) => {
        const mine = inv.route_hints[i][k];
        assert.equal(hop.pubkey, mine.pubkey);
        assert.equal(hop.fee_base_msat, mine.fee_base_msat);
        assert.equal(hop.fee_proportional_millionths, mine.fee_proportional_millionths);
        assert.equal(hop.cltv_expiry_delta, mine.cltv_expiry_delta);
      });
    });
  }
});

test('npm bolt11 notices a tampered invoice of ours', () => {
  const inv = generated.invoices[0];
  // Change one data character before the signature and checksum: the checksum breaks.
  const i = inv.invoice.indexOf('1') + 20;
  const flipped = inv.invoice.slice(0, i) + (inv.invoice[i] === 'q' ? 'p' : 'q') + inv.invoice.slice(i + 1);
  assert.throws(() => bolt11.decode(flipped));
  assert.equal(run('decode-invoice', flipped).status, 1);
});

test('npm bolt11 and our decoder recover the same key from the spec\'s high-S example', () => {
  // BOLT 11 "Public-key recovery with high-S signature": s is negated, the recovery id kept.
  const highS = 'lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap2r09nt4ndd0unm3z9u5t48y6ucv4r5sg7lk98c77ctvjczkspk5qprc90gx';
  const mine = run('decode-invoice', highS);
  assert.equal(mine.status, 0, mine.json.reason);
  assert.equal(mine.json.payee, bolt11.decode(highS).payeeNodeKey);
});

test('we decode invoices signed by npm bolt11', () => {
  const key = randomBytes(32);
  const preimage = randomBytes(32);
  const encoded = bolt11.encode({
    network: { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
    millisatoshis: '21000',
    timestamp: 1700000000,
    tags: [
      { tagName: 'payment_hash', data: hex(sha256(preimage)) },
      { tagName: 'payment_secret', data: hex(randomBytes(32)) },
      { tagName: 'description', data: 'from npm bolt11' },
      { tagName: 'expire_time', data: 900 },
      { tagName: 'min_final_cltv_expiry', data: 80 },
    ],
  });
  const signed = bolt11.sign(encoded, key.toString('hex'));
  const { status, json } = run('decode-invoice', signed.paymentRequest);
  assert.equal(status, 0, json.reason);
  assert.equal(json.network, 'regtest');
  assert.equal(json.amount_msat, 21000);
  assert.equal(json.payment_hash, hex(sha256(preimage)));
  assert.equal(json.description, 'from npm bolt11');
  assert.equal(json.expiry, 900);
  assert.equal(json.min_final_cltv_expiry, 80);
  assert.equal(json.payee, signed.payeeNodeKey);
});

test('npm macaroon imports and verifies our macaroons', () => {
  for (const m of generated.macaroons) {
    for (const encoding of [m.base64, m.base64url]) {
      const mac = macaroon.importMacaroon(encoding);
      assert.equal(hex(mac.identifier), m.identifier);
      assert.equal(mac.location, m.location);
      assert.equal(hex(mac.signature), m.signature);
      assert.deepEqual(mac.caveats.map((c) => Buffer.from(c.identifier).toString('utf8')), m.caveats);
      const seen = [];
      mac.verify(Buffer.from(m.root_key, 'hex'), (condition) => {
        seen.push(condition);
        return null;
      });
      assert.deepEqual(seen, m.caveats);
      assert.throws(() => mac.verify(Buffer.from('wrong root key'), () => null));
      // Re-exported by npm macaroon, byte for byte.
      assert.equal(Buffer.from(mac.exportBinary()).toString('base64'), m.base64);
    }
  }
  // The libmacaroons vector (caveat_v2_4) that the C++ tests also reproduce.
  assert.equal(generated.macaroons[0].base64url,
    'AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAhRhY2NvdW50ID0gMzczNTkyODU1OQACDHVzZXIgPSBhbGljZQAABiBL6WfNHqDGsmuvakqU7psFsViG2guoXoxCqTyNDhJe_A');
});

test('we verify macaroons minted by npm macaroon', () => {
  const rootKey = randomBytes(32);
  const mac = macaroon.newMacaroon({ version: 2, rootKey, identifier: 'id from npm', location: 'npm' });
  mac.addFirstPartyCaveat('services=chat:0');
  mac.addFirstPartyCaveat('chat_valid_until=1700003600');
  const b64 = Buffer.from(mac.exportBinary()).toString('base64');

  const ok = run('verify-macaroon', b64, rootKey.toString('hex'));
  assert.equal(ok.status, 0, ok.json.reason);
  assert.equal(Buffer.from(ok.json.identifier, 'hex').toString(), 'id from npm');
  assert.equal(ok.json.location, 'npm');
  assert.deepEqual(ok.json.caveats, ['services=chat:0', 'chat_valid_until=1700003600']);
  assert.equal(ok.json.signature, hex(mac.signature));
  assert.equal(run('verify-macaroon', macaroon.bytesToBase64(mac.exportBinary()), rootKey.toString('hex')).status, 0);

  assert.equal(run('verify-macaroon', b64, randomBytes(32).toString('hex')).status, 1);
  // Widen the expiry inside the binary, keep the signature: refused.
  const tampered = Buffer.from(mac.exportBinary());
  const at = tampered.indexOf('1700003600');
  tampered.write('9', at);
  const bad = run('verify-macaroon', tampered.toString('base64'), rootKey.toString('hex'));
  assert.equal(bad.status, 1);
  assert.deepEqual(bad.json.caveats, ['services=chat:0', 'chat_valid_until=9700003600']);
});

test('an L402 token minted by npm macaroon passes our verification, and fails it for the right reasons', () => {
  const rootKey = randomBytes(32);
  const preimage = randomBytes(32);
  const identifier = Buffer.concat([Buffer.from([0, 0]), sha256(preimage), randomBytes(32)]);
  const mac = macaroon.newMacaroon({ version: 2, rootKey, identifier, location: 'lsat' });
  mac.addFirstPartyCaveat('services=chat:0');
  mac.addFirstPartyCaveat('chat_valid_until=1700003600');
  const token = Buffer.from(mac.exportBinary()).toString('base64');
  const verifyL402 = (auth, service = 'chat', now = '1700000000', key = rootKey) =>
    run('verify-l402', auth, key.toString('hex'), service, now);

  const ok = verifyL402(`L402 ${token}:${preimage.toString('hex')}`);
  assert.equal(ok.status, 0, ok.json.reason);
  assert.equal(ok.json.payment_hash, hex(sha256(preimage)));
  assert.equal(verifyL402(`LSAT ${token}:${preimage.toString('hex')}`).status, 0);

  assert.equal(verifyL402(`L402 ${token}:${randomBytes(32).toString('hex')}`).json.error, 'preimage_mismatch');
  assert.equal(verifyL402(`L402 ${token}:${preimage.toString('hex')}`, 'chat', '1700003600').json.error, 'expired');
  assert.equal(verifyL402(`L402 ${token}:${preimage.toString('hex')}`, 'images').json.error, 'wrong_service');
  assert.equal(verifyL402(`L402 ${token}:${preimage.toString('hex')}`, 'chat', '1700000000', randomBytes(32)).json.error,
    'bad_signature');
  assert.equal(verifyL402(`L402 ${token}:${preimage.toString('hex').toUpperCase()}`).json.error, 'bad_encoding');
});

test('our L402 challenge is in the form Aperture clients parse', () => {
  const token = generated.macaroons[1];
  const match = token.challenge.match(/^(LSAT|L402) macaroon="(.*?)", invoice="(.*?)"$/);
  assert.ok(match, token.challenge);
  assert.equal(match[2], token.base64);
  assert.equal(match[3], generated.invoices[0].invoice);
  const ok = run('verify-l402', `L402 ${token.base64}:${token.preimage}`, token.root_key, 'chat', '1700000000');
  assert.equal(ok.status, 0, ok.json.reason);
});

test('we verify headers made by stripe.webhooks.generateTestHeaderString and refuse tampered ones', () => {
  const stripe = new Stripe('sk_test_not_used');
  const secret = 'whsec_' + randomBytes(16).toString('hex');
  const payload = JSON.stringify({ id: 'evt_1', type: 'checkout.session.completed',
    data: { object: { id: 'cs_test_1', object: 'checkout.session', payment_status: 'paid' } } });
  const now = Math.floor(Date.now() / 1000);
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: now });
  const verify = (h, body = payload, key = secret, at = now) => run('verify-stripe', key, h, String(at), body);

  const ok = verify(header);
  assert.equal(ok.status, 0, ok.json.reason);
  assert.equal(ok.json.timestamp, now);

  assert.match(verify(header, payload.replace('paid', 'unpaid')).json.reason, /no v1 signature matches/);
  assert.match(verify(header, payload, 'whsec_other').json.reason, /no v1 signature matches/);
  assert.match(verify(header, payload, secret, now + 301).json.reason, /tolerance/);
  const old = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: now - 3600 });
  assert.match(verify(old).json.reason, /tolerance/);
  const v0 = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: now, scheme: 'v0' });
  assert.match(verify(v0).json.reason, /no v1 signature/);
  assert.equal(verify(header.replace(`t=${now}`, `t=${now + 1}`)).status, 1);
});

test('stripe.webhooks.constructEvent accepts headers we sign', () => {
  const stripe = new Stripe('sk_test_not_used');
  const secret = 'whsec_' + randomBytes(16).toString('hex');
  const payload = JSON.stringify({ id: 'evt_2', type: 'checkout.session.expired', data: { object: { id: 'cs_2' } } });
  const now = Math.floor(Date.now() / 1000);
  const { header } = run('sign-stripe', secret, String(now), payload).json;
  const event = stripe.webhooks.constructEvent(payload, header, secret);
  assert.equal(event.id, 'evt_2');
  assert.throws(() => stripe.webhooks.constructEvent(payload, header, 'whsec_other'));
});
