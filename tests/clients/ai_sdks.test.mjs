// The Vercel AI SDK, LangChain JS, the openai SDK with a placeholder key and a browser's CORS
// preflight, each configured as its documentation says, against Turnpike: free models with a
// placeholder key, paid ones with a funded key, and the charge checked on the wallet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateText, streamText } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { openAccount, startGateway } from './harness.mjs';

const ORIGIN = 'http://app.localhost:5173';
const CREDIT = 10_000_000;

let gw;
let apiKey;
let charged;
before(async () => {
  gw = await startGateway(`
billing:
  signup_credit: ${CREDIT}
providers:
  - name: mock
    plugin: mock
    models:
      - id: mock-free
        price: {input: 0, output: 0}
      - id: mock-paid
        price: {input: 1000000, output: 2000000}
        max_output_tokens: 256
`, `  cors:\n    allowed_origins: ["${ORIGIN}"]\n`);
  ({ apiKey, charged } = await openAccount(gw.baseURL));
});
after(async () => { assert.equal(await gw.stop(), 0, 'clean exit on SIGTERM'); });

const prompt = 'hello sdk';

// ---------------------------------------------------------------- Vercel AI SDK

const providers = {
  '@ai-sdk/openai .chat()': (key) => createOpenAI({ baseURL: gw.baseURL, apiKey: key }).chat,
  '@ai-sdk/openai-compatible': (key) =>
    createOpenAICompatible({ name: 'turnpike', baseURL: gw.baseURL, apiKey: key, includeUsage: true }),
};

for (const [name, make] of Object.entries(providers)) {
  test(`${name}: generateText and streamText on a paid model are charged`, async () => {
    const model = make(apiKey)('mock-paid');
    let text;
    const cost = await charged(async () => {
      const r = await generateText({ model, prompt, maxRetries: 0 });
      text = r.text;
      assert.ok(r.usage.outputTokens > 0, JSON.stringify(r.usage));
    });
    assert.match(text, /hello sdk/);
    assert.ok(cost > 0, 'generateText was charged');

    let streamed = '';
    let usage;
    const errors = [];  // a frame the SDK cannot parse ends up here, not in textStream
    const streamCost = await charged(async () => {
      const r = streamText({ model, prompt, maxRetries: 0, onError: ({ error }) => { errors.push(error); } });
      for await (const part of r.textStream) streamed += part;
      usage = await r.usage;
    });
    assert.deepEqual(errors.map(String), []);
    assert.match(streamed, /hello sdk/);
    assert.ok(usage.inputTokens > 0 && usage.outputTokens > 0, JSON.stringify(usage));
    assert.ok(streamCost > 0, 'the stream was charged');
  });

  test(`${name}: a placeholder key serves free models`, async () => {
    const model = make('unused')('mock-free');
    const r = await generateText({ model, prompt, maxRetries: 0 });
    assert.match(r.text, /hello sdk/);
    let streamed = '';
    const errors = [];
    const s = streamText({ model, prompt, maxRetries: 0, onError: ({ error }) => { errors.push(error); } });
    for await (const part of s.textStream) streamed += part;
    assert.deepEqual(errors.map(String), []);
    assert.match(streamed, /hello sdk/);
    assert.ok((await s.usage).outputTokens > 0);
  });
}

// ---------------------------------------------------------------- LangChain JS

test('LangChain ChatOpenAI: invoke and stream, paid and charged, free with a placeholder key', async () => {
  const paid = new ChatOpenAI({ model: 'mock-paid', apiKey, configuration: { baseURL: gw.baseURL }, maxRetries: 0 });
  let reply;
  const cost = await charged(async () => { reply = await paid.invoke(prompt); });
  assert.match(reply.content, /hello sdk/);
  assert.ok(cost > 0);
  let streamed = '';
  const streamCost = await charged(async () => {
    for await (const chunk of await paid.stream(prompt)) streamed += chunk.content;
  });
  assert.match(streamed, /hello sdk/);
  assert.ok(streamCost > 0);

  const free = new ChatOpenAI({ model: 'mock-free', apiKey: 'sk-no-key-required', configuration: { baseURL: gw.baseURL }, maxRetries: 0 });
  assert.match((await free.invoke(prompt)).content, /hello sdk/);
});

// ---------------------------------------------------------------- openai SDK placeholder key

test('openai SDK: placeholder keys are no key; paid models then ask for payment', async () => {
  for (const placeholder of ['unused', 'sk-no-key-required', 'ollama']) {
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: placeholder, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'mock-free', messages: [{ role: 'user', content: prompt }] });
    assert.match(r.choices[0].message.content, /hello sdk/);
    await assert.rejects(
      client.chat.completions.create({ model: 'mock-paid', messages: [{ role: 'user', content: prompt }] }),
      (e) => { assert.equal(e.status, 401); assert.equal(e.code, 'missing_api_key'); return true; });
  }
});

// ---------------------------------------------------------------- browser origin

test('a browser-origin fetch: preflight, then the call, with CORS headers', async () => {
  const url = `${gw.baseURL}/chat/completions`;
  const pre = await fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,x-stainless-os,x-stainless-lang',
    },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
  const allowed = pre.headers.get('access-control-allow-headers');
  for (const h of ['authorization', 'content-type', 'x-stainless-os', 'x-stainless-lang']) assert.ok(allowed.includes(h), allowed);

  const r = await fetch(url, {
    method: 'POST',
    headers: { origin: ORIGIN, authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-paid', messages: [{ role: 'user', content: prompt }] }),
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
  assert.match(r.headers.get('access-control-expose-headers'), /x-request-id/);
  assert.ok((await r.json()).usage.cost > 0);

  const other = await fetch(`${gw.baseURL}/models`, { headers: { origin: 'https://elsewhere.example' } });
  assert.equal(other.status, 200);
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});
