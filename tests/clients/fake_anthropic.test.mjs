// The fake Anthropic upstream against the official SDK directly, with no gateway between them:
// what passes here is what the SDK accepts from api.anthropic.com, so gateway tests that use the
// fake test the gateway, not the fake.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

import { startFakeAnthropic } from './fake_anthropic.mjs';

const MODEL = 'claude-sonnet-4-5';
const weather = { name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const time = { name: 'get_time', description: 'Time in a zone', input_schema: { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } } } };

let fake;
let client;

before(async () => {
  fake = await startFakeAnthropic({ models: ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'] });
  client = new Anthropic({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0, timeout: 10000 });
});
after(() => fake.stop());

const lastRequest = () => fake.requests.at(-1);

test('messages.create: a Message with usage, recorded byte for byte with the SDK\'s headers', async () => {
  const params = { model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Hello there, café ☕' }] };
  const { data: message, response } = await client.messages.create(params).withResponse();
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.model, MODEL);
  assert.match(message.id, /^msg_/);
  assert.deepEqual(message.content, [{ type: 'text', text: 'Fake Claude reply: Hello there, café ☕' }]);
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.stop_sequence, null);
  assert.ok(message.usage.input_tokens > 0);
  assert.ok(message.usage.output_tokens > 0);
  assert.equal(message.usage.cache_creation_input_tokens, 0);
  assert.equal(message.usage.cache_read_input_tokens, 0);
  assert.match(response.headers.get('request-id'), /^req_/);

  const r = lastRequest();
  assert.equal(r.path, '/v1/messages');
  // SDK 1.x sends its apiKey as a bearer token and its own API version (the fake takes both
  // auth headers, as the API does; the wire test below uses x-api-key).
  assert.equal(r.headers.authorization, `Bearer ${fake.apiKey}`);
  assert.equal(r.headers['anthropic-version'], '2026-10-21');
  assert.equal(r.rawBody.toString('utf8'), JSON.stringify(params));
});

test('prompt caching: written once, then read; the three counts add up to countTokens', async () => {
  const params = {
    model: MODEL, max_tokens: 100,
    system: [{ type: 'text', text: 'You are a careful assistant. '.repeat(40), cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: 'Summarise the rules.' }],
  };
  const first = await client.messages.create(params);
  const second = await client.messages.create(params);
  assert.ok(first.usage.cache_creation_input_tokens > 0);
  assert.equal(first.usage.cache_read_input_tokens, 0);
  assert.equal(first.usage.cache_creation.ephemeral_5m_input_tokens, first.usage.cache_creation_input_tokens);
  assert.equal(second.usage.cache_creation_input_tokens, 0);
  assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens);
  assert.equal(second.usage.input_tokens, first.usage.input_tokens);
  const { max_tokens: _, ...countable } = params;
  const counted = await client.messages.countTokens(countable);
  assert.equal(counted.input_tokens,
    first.usage.input_tokens + first.usage.cache_creation_input_tokens + first.usage.cache_read_input_tokens);
  assert.equal(lastRequest().path, '/v1/messages/count_tokens');
});

test('messages.stream: text over several deltas, the same Message as create', async () => {
  const params = { model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Tell me a short story' }] };
  const pieces = [];
  const stream = client.messages.stream(params).on('text', (t) => pieces.push(t));
  const message = await stream.finalMessage();
  assert.ok(pieces.length > 2, `${pieces.length} text deltas`);
  assert.equal(pieces.join(''), 'Fake Claude reply: Tell me a short story');
  assert.deepEqual(message.content, [{ type: 'text', text: pieces.join('') }]);
  assert.equal(message.stop_reason, 'end_turn');
  const plain = await client.messages.create(params);
  assert.deepEqual(message.content, plain.content);
  // message_delta's count, not message_start's placeholder; input from message_start.
  assert.equal(message.usage.output_tokens, plain.usage.output_tokens);
  assert.equal(message.usage.input_tokens, plain.usage.input_tokens);
});

test('the stream on the wire: named events equal to data.type, a ping, no [DONE]', async () => {
  // ?beta=true as Claude Code sends it: the path is what matters.
  const res = await fetch(`${fake.baseURL}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'x-api-key': fake.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const text = await res.text();
  const frames = text.trim().split('\n\n').map((f) => {
    const [event, data] = f.split('\n');
    return { event: event.replace('event: ', ''), data: JSON.parse(data.replace('data: ', '')) };
  });
  for (const f of frames) assert.equal(f.event, f.data.type);
  assert.deepEqual(frames.map((f) => f.event), ['message_start', 'content_block_start', 'ping', 'content_block_delta',
    'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  assert.ok(!text.includes('[DONE]'));
  assert.ok(frames[0].data.message.usage.input_tokens > 0);
});

test('messages.stream with tools: two tool_use blocks, input from input_json_delta pieces, then an answer quoting the results', async () => {
  const params = { model: MODEL, max_tokens: 300, tools: [weather, time], messages: [{ role: 'user', content: 'Use both tools for Paris' }] };
  const json = [];
  const stream = client.messages.stream(params).on('inputJson', (delta) => json.push(delta));
  const message = await stream.finalMessage();
  assert.equal(message.stop_reason, 'tool_use');
  assert.equal(message.content[0].type, 'text');
  const uses = message.content.filter((b) => b.type === 'tool_use');
  assert.deepEqual(uses.map((u) => u.name), ['get_weather', 'get_time']);
  assert.deepEqual(uses[0].input, { city: 'Use both tools for Paris' });
  assert.deepEqual(uses[1].input, { zone: 'UTC' });
  assert.notEqual(uses[0].id, uses[1].id);
  assert.ok(json.length >= 3, `${json.length} input_json_delta pieces`);

  const answer = await client.messages.create({
    ...params,
    messages: [...params.messages, { role: 'assistant', content: message.content }, {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: uses[0].id, content: '18°C' }, { type: 'tool_result', tool_use_id: uses[1].id, content: [{ type: 'text', text: '12:00' }] }],
    }],
  });
  assert.equal(answer.stop_reason, 'end_turn');
  assert.equal(answer.content[0].text, `Tool ${uses[0].id} said: 18°C; Tool ${uses[1].id} said: 12:00`);

  // One tool when parallel use is off, or when the prompt asks for one.
  const single = await client.messages.create({ ...params, tool_choice: { type: 'auto', disable_parallel_tool_use: true } });
  assert.equal(single.content.filter((b) => b.type === 'tool_use').length, 1);
  const forced = await client.messages.create({ ...params, messages: [{ role: 'user', content: 'What time is it?' }], tool_choice: { type: 'tool', name: 'get_time' } });
  assert.deepEqual(forced.content.filter((b) => b.type === 'tool_use').map((b) => b.name), ['get_time']);
  const none = await client.messages.create({ ...params, tool_choice: { type: 'none' } });
  assert.equal(none.stop_reason, 'end_turn');
});

test('thinking: a signed thinking block first, accepted back only unchanged', async () => {
  const params = { model: MODEL, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, tools: [weather], messages: [{ role: 'user', content: 'Weather in Oslo?' }] };
  const thoughts = [];
  let signed = '';
  const message = await client.messages.stream(params)
    .on('thinking', (t) => thoughts.push(t))
    .on('signature', (s) => { signed = s; })
    .finalMessage();
  assert.equal(message.content[0].type, 'thinking');
  assert.ok(thoughts.length >= 2);
  assert.equal(message.content[0].thinking, thoughts.join(''));
  assert.ok(signed.length > 0);
  assert.equal(message.content[0].signature, signed);
  const use = message.content.find((b) => b.type === 'tool_use');
  const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'rain' }] };

  const answer = await client.messages.create({ ...params, messages: [...params.messages, { role: 'assistant', content: message.content }, result] });
  assert.equal(answer.content.at(-1).text, `Tool ${use.id} said: rain`);

  const forged = message.content.map((b) => (b.type === 'thinking' ? { ...b, thinking: `${b.thinking} (edited)` } : b));
  await assert.rejects(client.messages.create({ ...params, messages: [...params.messages, { role: 'assistant', content: forged }, result] }),
    (e) => e instanceof Anthropic.BadRequestError && /Invalid `signature` in `thinking` block/.test(e.message));
  const stripped = message.content.filter((b) => b.type !== 'thinking');
  await assert.rejects(client.messages.create({ ...params, messages: [...params.messages, { role: 'assistant', content: stripped }, result] }),
    (e) => e instanceof Anthropic.BadRequestError && /must start with a thinking block/.test(e.message));
  await assert.rejects(client.messages.create({ ...params, max_tokens: 1024 }),
    (e) => e instanceof Anthropic.BadRequestError && /`max_tokens` must be greater than `thinking.budget_tokens`/.test(e.message));
});

test('stop_sequences and max_tokens cut the reply', async () => {
  const stopped = await client.messages.create({ model: MODEL, max_tokens: 200, stop_sequences: ['STOP'], messages: [{ role: 'user', content: 'Say this then STOP and more' }] });
  assert.equal(stopped.stop_reason, 'stop_sequence');
  assert.equal(stopped.stop_sequence, 'STOP');
  assert.equal(stopped.content[0].text, 'Fake Claude reply: Say this then ');
  const streamed = await client.messages.stream({ model: MODEL, max_tokens: 200, stop_sequences: ['STOP'], messages: [{ role: 'user', content: 'Say this then STOP and more' }] }).finalMessage();
  assert.equal(streamed.stop_reason, 'stop_sequence');
  assert.equal(streamed.stop_sequence, 'STOP');
  const long = await client.messages.create({ model: MODEL, max_tokens: 3, messages: [{ role: 'user', content: 'Write a long essay about the sea' }] });
  assert.equal(long.stop_reason, 'max_tokens');
  assert.equal(long.usage.output_tokens, 3);
});

test('errors arrive as the SDK error classes with the Anthropic shape', async () => {
  const ask = (content, options) => client.messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content }] }, options);
  await assert.rejects(ask('fake:429'), (e) => {
    assert.ok(e instanceof Anthropic.RateLimitError);
    assert.equal(e.status, 429);
    assert.equal(e.type, 'rate_limit_error');
    assert.equal(e.error.type, 'error');
    assert.match(e.error.request_id, /^req_/);
    assert.equal(e.headers.get('retry-after'), '1');
    assert.equal(e.headers.get('anthropic-ratelimit-requests-remaining'), '0');
    assert.match(e.requestID, /^req_/);
    return true;
  });
  await assert.rejects(ask('fake:529'), (e) => e instanceof Anthropic.OverloadedError && e.type === 'overloaded_error' && e.status === 529);
  await assert.rejects(ask('fake:500'), (e) => e instanceof Anthropic.InternalServerError && e.type === 'api_error');
  const wrongKey = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: fake.baseURL, maxRetries: 0 });
  await assert.rejects(wrongKey.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.AuthenticationError && e.type === 'authentication_error');
  await assert.rejects(client.messages.create({ model: 'claude-nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.NotFoundError && e.type === 'not_found_error');

  // A stream that fails mid-way throws the error event's type.
  const texts = [];
  await assert.rejects(client.messages.stream({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'fake:stream-error please' }] })
    .on('text', (t) => texts.push(t)).finalMessage(),
  (e) => e instanceof Anthropic.APIError && e.type === 'overloaded_error');
  assert.ok(texts.length >= 1);
});

test('the SDK retries a 429 after its retry-after and then succeeds', async () => {
  const retrying = new Anthropic({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 2 });
  fake.failNext(1, 429);
  const before = fake.requests.length;
  const started = Date.now();
  const message = await retrying.messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'again' }] });
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(fake.requests.length - before, 2);
  assert.ok(Date.now() - started >= 900, 'waited for retry-after');
});

test('requests Anthropic refuses are refused here with its wording', async () => {
  const refused = async (body, pattern) => assert.rejects(client.messages.create(body),
    (e) => e instanceof Anthropic.BadRequestError && e.type === 'invalid_request_error' && pattern.test(e.message));
  await refused({ model: MODEL, max_tokens: 10, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'x' }] },
    /stream_options: Extra inputs are not permitted/);
  await refused({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }, /max_tokens: Field required/);
  await refused({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] },
    /text content blocks must be non-empty/);
  await refused({ model: MODEL, max_tokens: 10, temperature: 1.5, messages: [{ role: 'user', content: 'x' }] }, /temperature/);
  await refused({ model: MODEL, max_tokens: 10, tools: [{ name: 'a'.repeat(129), input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'x' }] },
    /tools\.0\.custom\.name: String should match pattern/);
  const use = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} };
  await refused({ model: MODEL, max_tokens: 10, tools: [weather], messages: [
    { role: 'user', content: 'x' }, { role: 'assistant', content: [use] }, { role: 'user', content: 'no result' }] },
  /`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1/);
  await refused({ model: MODEL, max_tokens: 10, tools: [weather], messages: [
    { role: 'user', content: 'x' }, { role: 'assistant', content: [use] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a' }, { type: 'tool_result', tool_use_id: 'toolu_1', content: 'b' }] }] },
  /each tool_use_id must be unique/);
  await refused({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'a' }] }] },
    /unexpected `tool_use_id` found in `tool_result` blocks: toolu_9/);
  await assert.rejects(client.messages.countTokens({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.BadRequestError && /max_tokens: Extra inputs are not permitted/.test(e.message));

  const raw = await fetch(`${fake.baseURL}/v1/messages`, { method: 'POST', headers: { 'x-api-key': fake.apiKey, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(raw.status, 400);
  assert.deepEqual((await raw.json()).error, { type: 'invalid_request_error', message: 'anthropic-version: header is required' });
  const anonymous = await fetch(`${fake.baseURL}/v1/messages`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: '{}' });
  assert.equal(anonymous.status, 401);
  assert.equal((await anonymous.json()).error.type, 'authentication_error');
});

test('models.list pages with after_id as the SDK follows it', async () => {
  const before = fake.requests.length;
  const ids = [];
  for await (const model of client.models.list({ limit: 2 })) ids.push(model.id);
  assert.deepEqual(ids, ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5']);
  const pages = fake.requests.slice(before);
  assert.deepEqual(pages.map((r) => r.url), ['/v1/models?limit=2', '/v1/models?limit=2&after_id=claude-opus-4-1']);
  const one = await client.models.retrieve('claude-haiku-4-5');
  assert.equal(one.display_name, 'Claude Haiku 4.5');
  assert.equal(one.max_input_tokens, 200000);
});
