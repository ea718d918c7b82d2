// The lightning plugin's L402 challenge read by independent implementations: npm bolt11 decodes
// (and checks the signature of) its invoice, npm macaroon imports and verifies its macaroon, and
// a macaroon attenuated by npm macaroon is accepted back by the plugin. The plugin is driven
// through the lightning_challenge tool named by TURNPIKE_LIGHTNING_CHALLENGE (dev backend, state
// kept in a file between runs).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bolt11 = require('bolt11');
const macaroon = require('macaroon');

const TOOL = process.env.TURNPIKE_LIGHTNING_CHALLENGE;
assert.ok(TOOL, 'TURNPIKE_LIGHTNING_CHALLENGE must name the lightning_challenge tool');

const REGTEST = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] };
const PATH = '/v1/chat/completions';

function run(...args) {
  const r = spawnSync(TOOL, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `lightning_challenge ${args[0]}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const dir = mkdtempSync(join(tmpdir(), 'turnpike-lightning-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const state = join(dir, 'state.json');
const made = run('challenge', state, '21000', PATH);
const payment = made.challenge.payment;
const hex = (bytes) => Buffer.from(bytes).toString('hex');

// npm macaroon 3.0.4's exportBinary doubles its buffer on every append (ByteBuffer._grow compares
// with a _capacity it never sets), so a macaroon with four caveats asks for gigabytes. Write the
// V2 binary (PAYMENTS.md §2) from the fields npm macaroon computed instead.
function exportV2(m) {
  const parts = [Buffer.from([2])];
  const varint = (n) => {
    const bytes = [];
    for (; n >= 0x80; n >>>= 7) bytes.push((n & 0x7f) | 0x80);
    bytes.push(n);
    return Buffer.from(bytes);
  };
  const field = (type, data) => parts.push(Buffer.from([type]), varint(data.length), Buffer.from(data));
  const eos = () => parts.push(Buffer.from([0]));
  if (m.location) field(1, Buffer.from(m.location, 'utf8'));
  field(2, m.identifier);
  eos();
  for (const c of m.caveats) {
    field(2, c.identifier);
    eos();
  }
  eos();
  field(6, m.signature);
  return Buffer.concat(parts).toString('base64');
}

const tag = (decoded, name) => decoded.tags.find((t) => t.tagName === name)?.data;

test('npm bolt11 decodes the challenge invoice: amount, hash, network, signer', () => {
  const d = bolt11.decode(payment.payment_request, REGTEST);
  assert.equal(d.prefix, 'lnbcrt210n');
  assert.equal(d.millisatoshis, '21000');
  assert.equal(tag(d, 'payment_hash'), payment.payment_hash);
  assert.equal(tag(d, 'description'), 'node cross-check');
  assert.equal(tag(d, 'payment_secret').length, 64);
  assert.equal(d.payeeNodeKey, made.node_pubkey);
  assert.equal(d.timeExpireDate, payment.expires_at);
  assert.equal(hex(createHash('sha256').update(Buffer.from(made.preimage, 'hex')).digest()), payment.payment_hash);
});

test('npm macaroon imports the challenge macaroon and verifies it with the root key', () => {
  const m = macaroon.importMacaroon(payment.macaroon);
  assert.equal(m.location, 'lsat');
  const id = Buffer.from(m.identifier);
  assert.equal(id.length, 66);
  assert.equal(id.readUInt16BE(0), 0);
  assert.equal(hex(id.subarray(2, 34)), payment.payment_hash);
  const caveats = m.caveats.map((c) => Buffer.from(c.identifier).toString('utf8'));
  assert.deepEqual(caveats, ['services=turnpike:0', `turnpike_valid_until=${payment.valid_until}`, `turnpike_path=${PATH}`]);
  const seen = [];
  m.verify(Buffer.from(made.root_key, 'hex'), (condition) => {
    seen.push(condition);
    return null;
  });
  assert.deepEqual(seen, caveats);
  assert.throws(() => m.verify(randomBytes(32), () => null));

  // Both headers in the form Aperture clients parse, LSAT first.
  const form = /^(LSAT|L402) macaroon="(.*?)", invoice="(.*?)"$/;
  const headers = made.challenge.headers.map(([name, value]) => [name, value.match(form)]);
  assert.deepEqual(headers.map(([name, m]) => [name, m[1]]), [['WWW-Authenticate', 'LSAT'], ['WWW-Authenticate', 'L402']]);
  for (const [, match] of headers) {
    assert.equal(match[2], payment.macaroon);
    assert.equal(match[3], payment.payment_request);
  }
});

test('the plugin accepts its paid token, and one attenuated by npm macaroon', () => {
  const ok = run('authorize', state, `L402 ${payment.macaroon}:${made.preimage}`, PATH);
  assert.equal(ok.ok, true);
  assert.equal(ok.payment_hash, payment.payment_hash);
  assert.equal(ok.amount_msat, 21000);
  assert.equal(ok.expires_at, payment.valid_until);

  const m = macaroon.importMacaroon(payment.macaroon);
  assert.equal(exportV2(m), payment.macaroon);  // the writer below reproduces ours byte for byte
  m.addFirstPartyCaveat(`turnpike_valid_until=${payment.valid_until - 60}`);
  const narrowed = exportV2(m);
  const attenuated = run('authorize', state, `L402 ${narrowed}:${made.preimage}`, PATH);
  assert.equal(attenuated.ok, true);
  assert.equal(attenuated.expires_at, payment.valid_until - 60);
  assert.equal(run('authorize', state, `L402 ${narrowed}:${made.preimage}`, '/v1/embeddings').code, 'l402_wrong_path');
});

test('a token forged with npm macaroon under another root key is refused', () => {
  const m = macaroon.importMacaroon(payment.macaroon);
  const forged = macaroon.newMacaroon({ version: 2, rootKey: randomBytes(32), identifier: m.identifier, location: 'lsat' });
  forged.addFirstPartyCaveat('services=turnpike:0');
  const token = exportV2(forged);
  const refused = run('authorize', state, `L402 ${token}:${made.preimage}`, PATH);
  assert.equal(refused.ok, false);
  assert.equal(refused.status, 401);
  assert.equal(refused.code, 'l402_bad_signature');
});
