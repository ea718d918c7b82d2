// The official @anthropic-ai/sdk pointed at Turnpike (baseURL = the gateway root, apiKey = a
// Turnpike key) against every kind of provider: the mock (canonical), an OpenAI-compatible
// upstream, Anthropic itself (fake_anthropic, passed through byte for byte) and Gemini
// (fake_gemini). Messages, streams, tools, token counts, errors as the SDK's classes, Claude
// Code's traffic, and each paid call's charge checked on the wallet against the usage the SDK saw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { openAccount, priceYaml, providerYaml, startGateway } from './harness.mjs';
import { startFakeAnthropic } from './fake_anthropic.mjs';
import { startFakeGemini } from './fake_gemini.mjs';
import { startFakeUpstream } from './fake_upstream.mjs';

// msat per token: every kind of token has its own price, so a mapping that mixes them up (cache
// reads billed as input, thoughts not billed) shows in the charge.
const PER = { input: 1000, cached: 100, cacheWrite: 1250, output: 3000 };
const PRICE = priceYaml(PER);
const FREE = '{input: 0, output: 0}';
// What a Message's usage costs: Anthropic's input_tokens exclude the cache reads and writes.
const costOf = (u) => PER.input * u.input_tokens + PER.cached * (u.cache_read_input_tokens ?? 0)
  + PER.cacheWrite * (u.cache_creation_input_tokens ?? 0) + PER.output * u.output_tokens;

const GEMINI_KEY = 'gemini-test-key';

let fakeAnthropic;
let pacedAnthropic;
let fakeGemini;
let up;
let gw;
let root;
let account;
before(async () => {
  fakeAnthropic = await startFakeAnthropic();
  pacedAnthropic = await startFakeAnthropic({ paceMs: 100 });
  fakeGemini = await startFakeGemini({ apiKey: GEMINI_KEY });
  up = await startFakeUpstream();
  gw = await startGateway(`
billing:
  signup_credit: 10000000000
payments:
  - name: lightning
    plugin: lightning
    backend: dev
providers:
${providerYaml({ name: 'mock', plugin: 'mock', price: PRICE, models: [{ id: 'mock-free', price: FREE }, { id: 'mock-paid', maxOutputTokens: 40000 }] })}\
  - name: paced
    plugin: mock
    chunk_delay_ms: 100
    models:
      - id: mock-paced
        price: ${PRICE}
${providerYaml({ name: 'upstream', plugin: 'openai_compat', baseURL: up.baseURL, price: PRICE, models: [{ id: 'up-paid', upstreamId: 'up-model' }] })}\
${providerYaml({ name: 'claude', plugin: 'anthropic', baseURL: fakeAnthropic.baseURL, apiKey: fakeAnthropic.apiKey, price: PRICE, models: [{ id: 'claude-paid', upstreamId: 'claude-sonnet-4-5' }] })}\
${providerYaml({ name: 'claude-paced', plugin: 'anthropic', baseURL: pacedAnthropic.baseURL, apiKey: pacedAnthropic.apiKey, price: PRICE, models: [{ id: 'claude-paced', upstreamId: 'claude-sonnet-4-5' }] })}\
${providerYaml({ name: 'google', plugin: 'gemini', baseURL: fakeGemini.baseURL, apiKey: GEMINI_KEY, price: PRICE, models: [{ id: 'gemini-paid', upstreamId: 'gemini-2.5-flash' }, { id: 'gemini3-paid', upstreamId: 'gemini-3-pro-preview' }] })}`);
  root = `http://127.0.0.1:${gw.port}`;
  account = await openAccount(gw.baseURL);
});
after(async () => {
  assert.equal(await gw.stop(), 0, 'clean exit on SIGTERM');
  await Promise.all([fakeAnthropic.stop(), pacedAnthropic.stop(), fakeGemini.stop(), up.stop()]);
});

// Each provider kind: its paid model, its reply to a prompt, how many tools it calls when asked
// for two, and how it makes an upstream answer 429.
const PROVIDERS = {
  mock: {
    model: 'mock-paid', reply: (p) => `Mock reply from mock-paid: ${p}`, toolsWhenAskedForTwo: 2,
    rateLimited: () => 'mock:fail=429 now', retryAfter: '1',
  },
  openai_compat: {
    model: 'up-paid', reply: (p) => `Upstream reply: ${p}`, toolsWhenAskedForTwo: 1,
    rateLimited: () => { up.failNext(1); return 'limited'; }, retryAfter: '1',
  },
  anthropic: {
    model: 'claude-paid', reply: (p) => `Fake Claude reply: ${p}`, toolsWhenAskedForTwo: 2,
    rateLimited: () => 'fake:429 now', retryAfter: '1',
  },
  gemini: {
    model: 'gemini-paid', reply: (p) => `Gemini reply: ${p}`, toolsWhenAskedForTwo: 1,
    rateLimited: () => { fakeGemini.failNext(1); return 'limited'; }, retryAfter: null,
  },
};

const client = (options = {}) => new Anthropic({
  baseURL: root, ...(options.authToken ? {} : { apiKey: account.apiKey }), maxRetries: 0, timeout: 20000, ...options,
});

const weather = { name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const time = { name: 'get_time', description: 'Time in a zone', input_schema: { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } }, required: ['zone'] } };

const textOf = (message) => message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

// The frames of an Anthropic event stream: { event, data }.
function framesOf(text) {
  return text.split('\n\n').filter((f) => f.trim()).map((f) => {
    const lines = f.split('\n');
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    return { event, data: JSON.parse(data) };
  });
}

// What a well-formed Anthropic stream looks like: event names equal to data.type, message_start
// first with a real input count, blocks opened before their deltas and numbered 0..n-1 in order,
// message_delta with output_tokens, message_stop last, no [DONE].
function assertWellFormed(frames, raw) {
  assert.ok(!raw.includes('[DONE]'), 'no [DONE] in an Anthropic stream');
  for (const f of frames) assert.equal(f.event, f.data.type, `event name ${f.event} is its data.type`);
  assert.equal(frames[0].event, 'message_start');
  assert.ok(frames[0].data.message.usage.input_tokens > 0, 'message_start carries a real input count');
  assert.equal(frames.at(-1).event, 'message_stop');
  const open = new Set();
  let next = 0;
  for (const { data } of frames) {
    if (data.type === 'content_block_start') {
      assert.equal(data.index, next++, 'blocks numbered in order');
      open.add(data.index);
    }
    if (data.type === 'content_block_delta') assert.ok(open.has(data.index), `delta for open block ${data.index}`);
    if (data.type === 'content_block_stop') assert.ok(open.delete(data.index), `stop for open block ${data.index}`);
  }
  assert.equal(open.size, 0, 'every block stopped');
  const delta = frames.find((f) => f.event === 'message_delta');
  assert.ok(delta.data.usage.output_tokens > 0);
}

for (const [kind, p] of Object.entries(PROVIDERS)) {
  test(`${kind}: messages.create, charged for the usage it reports`, async () => {
    let message;
    const cost = await account.charged(async () => {
      message = await client().messages.create({ model: p.model, max_tokens: 300, messages: [{ role: 'user', content: 'hello there' }] });
    });
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.match(message.id, /^msg_/);
    assert.deepEqual(message.content, [{ type: 'text', text: p.reply('hello there') }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.stop_sequence, null);
    assert.ok(message.usage.input_tokens > 0);
    assert.ok(message.usage.output_tokens > 0);
    assert.equal(cost, costOf(message.usage));
  });

  test(`${kind}: messages.stream with text: text events, message_start input_tokens, final usage, charged`, async () => {
    const texts = [];
    const events = [];
    let message;
    const cost = await account.charged(async () => {
      message = await client().messages.stream({ model: p.model, max_tokens: 300, messages: [{ role: 'user', content: 'tell me a story' }] })
        .on('text', (t) => texts.push(t))
        .on('streamEvent', (e) => events.push(e))
        .finalMessage();
    });
    assert.ok(texts.length >= 2, `${texts.length} text events`);
    assert.equal(texts.join(''), p.reply('tell me a story'));
    assert.deepEqual(message.content, [{ type: 'text', text: p.reply('tell me a story') }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(events[0].type, 'message_start');
    assert.ok(events[0].message.usage.input_tokens > 0, `message_start input_tokens ${events[0].message.usage.input_tokens}`);
    assert.equal(events.at(-1).type, 'message_stop');
    assert.ok(message.usage.output_tokens > 0);
    assert.ok(message.usage.input_tokens > 0);
    assert.equal(cost, costOf(message.usage));
    // An OpenAI upstream streams no usage unless asked.
    if (kind === 'openai_compat') assert.deepEqual(up.requests.at(-1).body.stream_options, { include_usage: true });
  });

  test(`${kind}: the stream on the wire is well formed`, async () => {
    const r = await fetch(`${root}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': account.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: p.model, max_tokens: 300, stream: true, tools: [weather, time], messages: [{ role: 'user', content: 'Use both get_weather and get_time for Paris' }] }),
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/event-stream/);
    const raw = await r.text();
    assertWellFormed(framesOf(raw), raw);
  });

  test(`${kind}: messages.stream with tools, then the tool_result round trip`, async () => {
    const params = { model: p.model, max_tokens: 300, tools: [weather, time], messages: [{ role: 'user', content: 'Use both get_weather and get_time for Paris' }] };
    const json = [];
    let first;
    let answer;
    const cost = await account.charged(async () => {
      first = await client().messages.stream(params).on('inputJson', (d) => json.push(d)).finalMessage();
      const uses = first.content.filter((b) => b.type === 'tool_use');
      answer = await client().messages.stream({
        ...params,
        messages: [...params.messages, { role: 'assistant', content: first.content }, {
          role: 'user', content: uses.map((u) => ({ type: 'tool_result', tool_use_id: u.id, content: `result-of-${u.name}` })),
        }],
      }).finalMessage();
    });
    assert.equal(first.stop_reason, 'tool_use');
    const uses = first.content.filter((b) => b.type === 'tool_use');
    assert.deepEqual(uses.map((u) => u.name), ['get_weather', 'get_time'].slice(0, p.toolsWhenAskedForTwo));
    assert.equal(new Set(uses.map((u) => u.id)).size, uses.length, 'distinct tool_use ids');
    assert.equal(typeof uses[0].input.city, 'string');
    if (uses[1]) assert.deepEqual(uses[1].input, { zone: 'UTC' });
    assert.ok(json.length >= 1, 'input_json_delta events');
    assert.equal(answer.stop_reason, 'end_turn');
    for (const u of uses) assert.match(textOf(answer), new RegExp(`result-of-${u.name}`));
    assert.equal(cost, costOf(first.usage) + costOf(answer.usage));
  });

  test(`${kind}: messages.countTokens counts the prompt and costs nothing`, async () => {
    const params = { model: p.model, system: 'You are terse.', tools: [weather], messages: [{ role: 'user', content: 'How many tokens is this prompt?' }] };
    let counted;
    const cost = await account.charged(async () => { counted = await client().messages.countTokens(params); });
    assert.ok(Number.isInteger(counted.input_tokens) && counted.input_tokens > 0, JSON.stringify(counted));
    if (kind === 'anthropic') {
      // The upstream's own count, not an estimate.
      const direct = new Anthropic({ baseURL: fakeAnthropic.baseURL, apiKey: fakeAnthropic.apiKey, maxRetries: 0 });
      const upstream = await direct.messages.countTokens({ ...params, model: 'claude-sonnet-4-5' });
      assert.equal(counted.input_tokens, upstream.input_tokens);
      assert.equal(fakeAnthropic.requests.at(-2).path, '/v1/messages/count_tokens');
    }
    assert.equal(cost, 0);
  });

  const ask = (c, body) => c.messages.create({ model: p.model, max_tokens: 50, messages: [{ role: 'user', content: 'x' }], ...body });

  test(`${kind}: an unknown model is NotFoundError (not_found_error)`, async () => {
    await assert.rejects(ask(client(), { model: `${p.model}-nope` }), (e) => {
      assert.ok(e instanceof Anthropic.NotFoundError, e.constructor.name);
      assert.equal(e.status, 404);
      assert.equal(e.error.type, 'error');
      assert.equal(e.type, 'not_found_error');
      return true;
    });
  });

  test(`${kind}: an unknown key is AuthenticationError`, async () => {
    await assert.rejects(ask(client({ apiKey: 'sk-tp-unknown' }), {}), (e) => {
      assert.ok(e instanceof Anthropic.AuthenticationError, e.constructor.name);
      assert.equal(e.type, 'authentication_error');
      return true;
    });
  });

  test(`${kind}: a request without max_tokens is BadRequestError`, async () => {
    await assert.rejects(client().messages.create({ model: p.model, messages: [{ role: 'user', content: 'x' }] }), (e) => {
      assert.ok(e instanceof Anthropic.BadRequestError, e.constructor.name);
      assert.equal(e.type, 'invalid_request_error');
      assert.match(e.message, /max_tokens/);
      return true;
    });
  });

  test(`${kind}: an upstream 429 is RateLimitError once the SDK stops retrying, and costs nothing`, async () => {
    const cost = await account.charged(async () => {
      await assert.rejects(ask(client(), { messages: [{ role: 'user', content: p.rateLimited() }] }), (e) => {
        assert.ok(e instanceof Anthropic.RateLimitError, `${e.constructor.name}: ${e.message}`);
        assert.equal(e.status, 429);
        assert.equal(e.type, 'rate_limit_error');
        assert.equal(e.error.type, 'error');
        if (p.retryAfter) assert.equal(e.headers.get('retry-after'), p.retryAfter);
        return true;
      });
    });
    assert.equal(cost, 0, 'a refused call costs nothing');
  });
}

test('authToken (Authorization: Bearer) and x-api-key both carry a Turnpike key', async () => {
  const byToken = await client({ authToken: account.apiKey }).messages.create({ model: 'mock-paid', max_tokens: 50, messages: [{ role: 'user', content: 'token' }] });
  assert.equal(textOf(byToken), 'Mock reply from mock-paid: token');
  const byHeader = client({ apiKey: null, authToken: null, defaultHeaders: { 'x-api-key': account.apiKey, Authorization: null } });
  let message;
  const cost = await account.charged(async () => {
    message = await byHeader.messages.create({ model: 'mock-paid', max_tokens: 50, messages: [{ role: 'user', content: 'header' }] });
  });
  assert.equal(textOf(message), 'Mock reply from mock-paid: header');
  assert.equal(cost, costOf(message.usage), 'billed to the x-api-key account');
});

test('a paid model without a key: 402 billing_error with the L402 challenge', async () => {
  for (const model of ['mock-paid', 'claude-paid']) {
    const anonymous = new Anthropic({ baseURL: root, apiKey: 'unused', maxRetries: 0 });
    await assert.rejects(anonymous.messages.create({ model, max_tokens: 50, messages: [{ role: 'user', content: 'pay me' }] }), (e) => {
      assert.ok(e instanceof Anthropic.APIError, e.constructor.name);
      assert.equal(e.status, 402);
      assert.equal(e.type, 'billing_error');
      assert.equal(e.error.type, 'error');
      // The gateway offers the legacy LSAT scheme first and L402 after it, on every route.
      assert.match(e.headers.get('www-authenticate'), /(^|, )L402 macaroon="[^"]+", invoice="lnbcrt[^"]+"/);
      return true;
    });
  }
  // A free model needs no key.
  const free = await new Anthropic({ baseURL: root, apiKey: 'unused', maxRetries: 0 })
    .messages.create({ model: 'mock-free', max_tokens: 50, messages: [{ role: 'user', content: 'free' }] });
  assert.equal(textOf(free), 'Mock reply from mock-free: free');
});

test('anthropic provider: the request reaches Anthropic byte for byte but for the model id, with anthropic-version and anthropic-beta', async () => {
  const sent = [];
  const capturing = client({
    fetch: async (url, init) => { sent.push({ url: String(url), body: init.body }); return fetch(url, init); },
  });
  // Members and spacing the gateway would reorder or drop if it re-serialised the body.
  const params = {
    model: 'claude-paid', max_tokens: 300, metadata: { user_id: 'u-1' }, temperature: 0.5, top_k: 40,
    system: [{ type: 'text', text: 'Be brief. café ☕ \u2028', cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'quote "this" \\ back' }] }],
  };
  const message = await capturing.messages.create(params, { headers: { 'anthropic-beta': 'context-management-2025-06-27' } });
  assert.equal(textOf(message), 'Fake Claude reply: quote "this" \\ back');
  const got = fakeAnthropic.requests.at(-1);
  assert.equal(sent.length, 1);
  assert.equal(typeof sent[0].body, 'string');
  assert.equal(got.rawBody.toString('utf8'), sent[0].body.replace('"model":"claude-paid"', '"model":"claude-sonnet-4-5"'));
  assert.equal(got.headers['anthropic-version'], '2026-10-21', 'the SDK\'s anthropic-version');
  assert.equal(got.headers['anthropic-beta'], 'context-management-2025-06-27');
  assert.equal(got.headers['x-api-key'], fakeAnthropic.apiKey, 'the provider\'s key, not the client\'s');
  assert.ok(!JSON.stringify(got.headers).includes(account.apiKey), 'the Turnpike key never reaches the upstream');

  // A hand-written body keeps its own spacing too.
  const raw = `{"max_tokens": 50,  "model" : "claude-paid", "messages":[{"role":"user","content":"spaced"}]}`;
  const r = await fetch(`${root}/v1/messages`, {
    method: 'POST', body: raw,
    headers: { 'x-api-key': account.apiKey, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'a-beta,b-beta', 'content-type': 'application/json' },
  });
  assert.equal(r.status, 200, await r.clone().text());
  const spaced = fakeAnthropic.requests.at(-1);
  assert.equal(spaced.rawBody.toString('utf8'), raw.replace('"claude-paid"', '"claude-sonnet-4-5"'));
  assert.equal(spaced.headers['anthropic-version'], '2023-06-01');
  assert.equal(spaced.headers['anthropic-beta'], 'a-beta,b-beta');
});

test('anthropic provider: prompt cache writes then reads, each priced at its own rate', async () => {
  const params = {
    model: 'claude-paid', max_tokens: 100,
    system: [{ type: 'text', text: `Cache me ${Date.now()}. ${'You are a careful assistant. '.repeat(60)}`, cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: 'Summarise the rules.' }],
  };
  let first;
  let second;
  const firstCost = await account.charged(async () => { first = await client().messages.create(params); });
  const secondCost = await account.charged(async () => { second = await client().messages.stream(params).finalMessage(); });
  assert.ok(first.usage.cache_creation_input_tokens > 0);
  assert.equal(first.usage.cache_read_input_tokens, 0);
  assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens);
  assert.equal(second.usage.cache_creation_input_tokens, 0);
  assert.equal(firstCost, costOf(first.usage));
  assert.equal(secondCost, costOf(second.usage));
  assert.ok(secondCost < firstCost, 'a cache read is cheaper than a cache write');
});

test('mock: a long prompt\'s cached tokens reach the Message as cache_read_input_tokens, priced as cache reads', async () => {
  const prompt = 'lorem ipsum dolor sit amet '.repeat(200);
  let message;
  const cost = await account.charged(async () => {
    message = await client().messages.create({ model: 'mock-paid', max_tokens: 20, messages: [{ role: 'user', content: prompt }] });
  });
  assert.ok(message.usage.cache_read_input_tokens > 0, JSON.stringify(message.usage));
  assert.equal(message.usage.cache_read_input_tokens % 128, 0);
  assert.ok(message.usage.input_tokens > 0);
  assert.equal(cost, costOf(message.usage));
  // input_tokens exclude the cache: with it they are the chat prompt_tokens of the same prompt.
  const chat = await (await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${account.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-paid', max_tokens: 20, messages: [{ role: 'user', content: prompt }] }),
  })).json();
  assert.equal(message.usage.input_tokens + message.usage.cache_read_input_tokens, chat.usage.prompt_tokens);
  assert.equal(message.usage.cache_read_input_tokens, chat.usage.prompt_tokens_details.cached_tokens);
});

test('gemini: Gemini\'s cached prompt tokens are cache reads, not input', async () => {
  const message = await client().messages.create({ model: 'gemini-paid', max_tokens: 50, messages: [{ role: 'user', content: 'cached?' }] });
  const sent = fakeGemini.requests.at(-1);
  assert.match(sent.path, /gemini-2\.5-flash:generateContent$/);
  // fake_gemini reports 4 of its promptTokenCount as cachedContentTokenCount.
  assert.equal(message.usage.cache_read_input_tokens, 4);
});

// Claude Code's requests, as llm-gateway-protocol describes them: x-api-key, anthropic-version
// 2023-06-01, ?beta=true, an attribution block first in system, adaptive thinking,
// context_management and cache_control; plus its probes.
const CLAUDE_CODE_BODY = (model) => ({
  model, max_tokens: 32000, stream: true,
  system: [
    { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.200;cch=3f2a;' },
    { type: 'text', text: 'You are Claude Code, Anthropic\'s official CLI for Claude.', cache_control: { type: 'ephemeral' } },
  ],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'list the files', cache_control: { type: 'ephemeral' } }] }],
  tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }],
  thinking: { type: 'adaptive' },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  metadata: { user_id: 'user_abc_account_def_session_123' },
});
const CLAUDE_CODE_HEADERS = () => ({
  'x-api-key': account.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json',
  'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27',
  'x-claude-code-session-id': 'session-123', 'user-agent': 'claude-cli/2.1.200 (external, cli)',
});

for (const [kind, p] of Object.entries(PROVIDERS)) {
  test(`${kind}: Claude Code's POST /v1/messages?beta=true (adaptive thinking, context_management, cache_control) streams a tool call`, async () => {
    const body = JSON.stringify(CLAUDE_CODE_BODY(p.model));
    let raw;
    const cost = await account.charged(async () => {
      const r = await fetch(`${root}/v1/messages?beta=true`, { method: 'POST', headers: CLAUDE_CODE_HEADERS(), body });
      raw = await r.text();
      assert.equal(r.status, 200, raw);
    });
    const frames = framesOf(raw);
    assertWellFormed(frames, raw);
    const starts = frames.filter((f) => f.event === 'content_block_start').map((f) => f.data.content_block);
    const tool = starts.find((b) => b.type === 'tool_use');
    assert.equal(tool?.name, 'Bash', JSON.stringify(starts));
    const stop = frames.find((f) => f.event === 'message_delta').data;
    assert.equal(stop.delta.stop_reason, 'tool_use');
    // The usage the client saw: message_start's, overwritten by message_delta's counts.
    const usage = { ...frames[0].data.message.usage, ...stop.usage };
    assert.equal(cost, costOf(usage));
    if (kind === 'openai_compat' || kind === 'gemini') {
      const sent = kind === 'gemini' ? fakeGemini.requests.at(-1).body : up.requests.at(-1).body;
      for (const member of ['cache_control', 'context_management', '"thinking"']) {
        assert.ok(!JSON.stringify(sent).includes(member), `${member} does not reach a ${kind} upstream`);
      }
    }
    if (kind === 'anthropic') {
      const got = fakeAnthropic.requests.at(-1);
      assert.equal(got.path, '/v1/messages');
      assert.equal(got.rawBody.toString('utf8'), body.replace('"model":"claude-paid"', '"model":"claude-sonnet-4-5"'));
      assert.equal(got.headers['anthropic-version'], '2023-06-01');
      assert.equal(got.headers['anthropic-beta'], CLAUDE_CODE_HEADERS()['anthropic-beta']);
      assert.equal(starts[0].type, 'thinking', 'adaptive thinking reached Anthropic');
    }
  });
}

test('Claude Code\'s probes: HEAD /api/hello, GET /v1/models?limit=1000 in Anthropic\'s shape', async () => {
  const hello = await fetch(`${root}/api/hello`, { method: 'HEAD' });
  assert.equal(hello.status, 200);
  const r = await fetch(`${root}/v1/models?limit=1000`, { headers: { 'x-api-key': account.apiKey, 'anthropic-version': '2023-06-01' } });
  assert.equal(r.status, 200);
  const list = await r.json();
  assert.equal(list.has_more, false);
  const ids = list.data.map((m) => m.id);
  for (const id of ['mock-paid', 'up-paid', 'claude-paid', 'gemini-paid']) assert.ok(ids.includes(id), `${id} in ${ids}`);
  for (const m of list.data) {
    assert.equal(m.type, 'model');
    assert.equal(typeof m.display_name, 'string');
    assert.ok(!Number.isNaN(Date.parse(m.created_at)), m.created_at);
  }
  assert.equal(list.first_id, ids[0]);
  assert.equal(list.last_id, ids.at(-1));
  // The SDK's models.list reads the same shape.
  const listed = [];
  for await (const m of client().models.list()) listed.push(m.id);
  assert.deepEqual(listed, ids);
  // Without anthropic-version it is OpenAI's list.
  const openai = await (await fetch(`${root}/v1/models`)).json();
  assert.equal(openai.object, 'list');
});

for (const [kind, model, reply] of [['mock', 'mock-paced', 'Mock reply from mock-paced: '], ['anthropic', 'claude-paced', 'Fake Claude reply: ']]) {
  test(`${kind}: a stream aborted mid-way is charged for what was delivered and its reservation released`, async () => {
    const prompt = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const params = { model, max_tokens: 300, messages: [{ role: 'user', content: prompt }] };
    let full;
    const fullCost = await account.charged(async () => { full = await client().messages.create(params); });
    assert.equal(textOf(full), `${reply}${prompt}`);
    assert.equal(fullCost, costOf(full.usage));

    let received = 0;
    const started = Date.now();
    // charged() waits until nothing is reserved: the abort settles the reservation.
    const cost = await account.charged(async () => {
      const stream = client().messages.stream(params);
      stream.on('text', () => { if (++received === 3) stream.abort(); });
      await assert.rejects(stream.finalMessage(), (e) => e instanceof Anthropic.APIUserAbortError);
    });
    assert.equal(received, 3);
    assert.ok(Date.now() - started < 100 * full.usage.output_tokens, 'the abort ended the stream before its end');
    // The same prompt as the whole call's, whose usage is the upstream's count.
    const promptCost = PER.input * full.usage.input_tokens;
    assert.ok(cost >= promptCost + PER.output * 3, `charged ${cost}, the prompt and 3 deltas cost ${promptCost + PER.output * 3}`);
    assert.ok(cost < fullCost, `charged ${cost}, the whole answer costs ${fullCost}`);
    assert.equal((await account.me()).reserved, 0);
  });
}

for (const model of ['mock-paced', 'up-paid', 'claude-paced']) {
  test(`${model}: concurrent streams keep their own state`, async () => {
    const prompts = ['first stream alpha', 'second stream beta', 'third stream gamma'];
    const results = await Promise.all(prompts.map(async (prompt) => {
      const texts = [];
      const message = await client().messages.stream({ model, max_tokens: 300, messages: [{ role: 'user', content: prompt }] })
        .on('text', (t) => texts.push(t)).finalMessage();
      return { prompt, text: texts.join(''), message };
    }));
    for (const { prompt, text, message } of results) {
      assert.ok(text.endsWith(prompt), `${text} answers ${prompt}`);
      assert.equal(textOf(message), text);
    }
  });
}

for (const [kind, model, prompt, type] of [['mock', 'mock-paid', 'mock:fail=stream-error now', 'api_error'], ['anthropic', 'claude-paid', 'fake:stream-error now', 'overloaded_error']]) {
  test(`${kind}: a stream that fails mid-way throws the SDK's APIError and is charged for the text delivered`, async () => {
    const texts = [];
    let start;
    const cost = await account.charged(async () => {
      await assert.rejects(client().messages.stream({ model, max_tokens: 300, messages: [{ role: 'user', content: prompt }] })
        .on('streamEvent', (e) => { if (e.type === 'message_start') start = e.message.usage; })
        .on('text', (t) => texts.push(t))
        .finalMessage(), (e) => {
        assert.ok(e instanceof Anthropic.APIError, `${e.constructor.name}: ${e.message}`);
        assert.equal(e.type, type);
        return true;
      });
    });
    assert.ok(texts.length >= 1, 'text arrived before the error');
    assert.ok(start.input_tokens > 0);
    // Anthropic's message_start count is real (the mock's is the gateway's estimate).
    const prompted = kind === 'anthropic' ? PER.input * start.input_tokens : 0;
    assert.ok(cost >= prompted + PER.output, `charged ${cost} for the prompt and the text delivered`);
    assert.ok(cost < PER.input * 1000 + PER.output * 300, `charged ${cost}, less than the reservation`);
    assert.equal((await account.me()).reserved, 0);
  });
}

test('gemini 3: a signed function call survives the tool_result round trip (the signature rides in the tool_use id)', async () => {
  const tools = [weather];
  const messages = [{ role: 'user', content: 'weather in Oslo' }];
  let first;
  let answer;
  const cost = await account.charged(async () => {
    first = await client().messages.stream({ model: 'gemini3-paid', max_tokens: 300, tools, messages }).finalMessage();
    const use = first.content.find((b) => b.type === 'tool_use');
    answer = await client().messages.create({
      model: 'gemini3-paid', max_tokens: 300, tools,
      messages: [...messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] }],
    });
  });
  assert.equal(first.stop_reason, 'tool_use');
  // fake_gemini refuses a Gemini 3 turn whose function call lost its signature.
  assert.match(textOf(answer), /get_weather returned .*sunny/);
  const sent = fakeGemini.requests.at(-1).body.contents.find((c) => c.role === 'model');
  assert.ok(sent.parts.find((part) => part.functionCall).thoughtSignature);
  assert.equal(cost, costOf(first.usage) + costOf(answer.usage));
});

test('translated requests keep stop_sequences, temperature, top_p, max_tokens and the system prompt', async () => {
  const params = {
    max_tokens: 77, stop_sequences: ['STOP', 'END'], temperature: 0.25, top_p: 0.5, top_k: 5,
    system: [{ type: 'text', text: 'Be exact.' }], messages: [{ role: 'user', content: 'mapped' }],
  };
  await client().messages.create({ ...params, model: 'up-paid' });
  const chat = up.requests.at(-1).body;
  assert.deepEqual(chat.stop, ['STOP', 'END']);
  assert.equal(chat.temperature, 0.25);
  assert.equal(chat.top_p, 0.5);
  assert.equal(chat.max_tokens, 77);
  assert.equal(chat.top_k, undefined, 'OpenAI upstreams refuse top_k');
  assert.deepEqual(chat.messages[0].role, 'system');
  assert.match(JSON.stringify(chat.messages[0].content), /Be exact\./);
  await client().messages.create({ ...params, model: 'gemini-paid' });
  const gemini = fakeGemini.requests.at(-1).body;
  assert.deepEqual(gemini.generationConfig.stopSequences, ['STOP', 'END']);
  assert.equal(gemini.generationConfig.temperature, 0.25);
  assert.equal(gemini.generationConfig.topP, 0.5);
  assert.equal(gemini.generationConfig.maxOutputTokens, 77);
  assert.match(JSON.stringify(gemini.systemInstruction), /Be exact\./);
});

test('translated tool_choice: any, a forced tool, and disable_parallel_tool_use', async () => {
  const ask = (model, tool_choice, content = 'Use both get_weather and get_time for Paris') => client().messages.create({
    model, max_tokens: 300, tools: [weather, time], tool_choice, messages: [{ role: 'user', content }],
  });
  const names = (m) => m.content.filter((b) => b.type === 'tool_use').map((b) => b.name);
  assert.deepEqual(names(await ask('mock-paid', { type: 'tool', name: 'get_time' }, 'what now?')), ['get_time']);
  assert.deepEqual(names(await ask('mock-paid', { type: 'auto', disable_parallel_tool_use: true })), ['get_weather']);
  assert.deepEqual(names(await ask('mock-paid', { type: 'any' }, 'anything')), ['get_weather']);
  const none = await ask('mock-paid', { type: 'none' });
  assert.equal(none.stop_reason, 'end_turn');
  await ask('up-paid', { type: 'tool', name: 'get_time' });
  assert.deepEqual(up.requests.at(-1).body.tool_choice, { type: 'function', function: { name: 'get_time' } });
  await ask('up-paid', { type: 'any', disable_parallel_tool_use: true });
  assert.equal(up.requests.at(-1).body.tool_choice, 'required');
  assert.equal(up.requests.at(-1).body.parallel_tool_calls, false);
});

test('a tool name longer than OpenAI allows reaches an OpenAI upstream shortened and comes back whole', async () => {
  const long = `mcp__filesystem_server__${'read_the_whole_directory_tree_'.repeat(3)}x`;
  assert.ok(long.length > 64 && long.length <= 128);
  const tool = { name: long, description: 'long', input_schema: { type: 'object', properties: { path: { type: 'string' } } } };
  const first = await client().messages.stream({ model: 'up-paid', max_tokens: 300, tools: [tool], messages: [{ role: 'user', content: 'list /' }] }).finalMessage();
  const sentName = up.requests.at(-1).body.tools[0].function.name;
  assert.ok(/^[a-zA-Z0-9_-]{1,64}$/.test(sentName), sentName);
  const use = first.content.find((b) => b.type === 'tool_use');
  assert.equal(use.name, long);
  const answer = await client().messages.create({
    model: 'up-paid', max_tokens: 300, tools: [tool],
    messages: [{ role: 'user', content: 'list /' }, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'etc usr' }] }],
  });
  assert.match(textOf(answer), /etc usr/);
  const history = up.requests.at(-1).body.messages.find((m) => m.tool_calls);
  assert.equal(history.tool_calls[0].function.name, sentName, 'the history names the tool as the tools list does');
});

test('an image block reaches an OpenAI upstream as an image_url data URI', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5dd8d4b0000000049454e44ae426082', 'hex').toString('base64');
  await client().messages.create({
    model: 'up-paid', max_tokens: 50,
    messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }, { type: 'text', text: 'what is this?' }] }],
  });
  const parts = up.requests.at(-1).body.messages.at(-1).content;
  assert.deepEqual(parts.map((p) => p.type), ['image_url', 'text']);
  assert.equal(parts[0].image_url.url, `data:image/png;base64,${png}`);
});
