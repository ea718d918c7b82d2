// The official `openai` package, configured with only baseURL and apiKey, against Turnpike.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway } from './harness.mjs';

let gw;
let client;
before(async () => {
  gw = await startGateway();
  // Open signup hands out a key, as a user of the gateway would get one.
  const signup = await fetch(`${gw.baseURL}/accounts`, { method: 'POST' });
  assert.equal(signup.status, 201);
  const { api_key: apiKey } = await signup.json();
  client = new OpenAI({ baseURL: gw.baseURL, apiKey, maxRetries: 0 });
});
after(async () => { assert.equal(await gw.stop(), 0, 'clean exit on SIGTERM'); });

const messages = [{ role: 'user', content: 'hello sdk' }];

test('models.list and models.retrieve', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids, ['mock-fast', 'mock-embed']);
  const m = await client.models.retrieve('mock-fast');
  assert.equal(m.owned_by, 'mock');
  assert.equal(m.object, 'model');
});

test('chat completion', async () => {
  const r = await client.chat.completions.create({ model: 'mock-fast', messages });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.content, 'Mock reply from mock-fast: hello sdk');
  assert.equal(r.usage.completion_tokens, 6);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  assert.deepEqual(r.routing_info, {
    provider: 'mock', model: 'mock-fast', requested_model: 'mock-fast', reason: 'configured_order',
  });
});

test('model "auto" is routed, and the first chunk says where', async () => {
  const r = await client.chat.completions.create({ model: 'auto', messages });
  assert.equal(r.routing_info.model, 'mock-fast');
  assert.equal(r.routing_info.reason, 'auto');
  const stream = await client.chat.completions.create({ model: 'auto', messages, stream: true });
  let first = null;
  let text = '';
  for await (const chunk of stream) {
    first ??= chunk;
    text += chunk.choices[0]?.delta.content ?? '';
  }
  assert.equal(first.routing_info.provider, 'mock');
  assert.equal(text, 'Mock reply from mock-fast: hello sdk');
});

test('streaming with usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'mock-fast', messages, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.choices.length > 0) text += chunk.choices[0].delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, 'Mock reply from mock-fast: hello sdk');
  assert.ok(chunks > 3);
  assert.ok(usage, 'the final chunk carries usage');
  assert.equal(usage.completion_tokens, 6);
});

test('streaming without usage gets no usage chunk', async () => {
  const stream = await client.chat.completions.create({ model: 'mock-fast', messages, stream: true });
  for await (const chunk of stream) {
    assert.ok(!chunk.usage, 'usage was not asked for');
    assert.ok(chunk.choices.length > 0);
  }
});

test('tools produce a tool call', async () => {
  const r = await client.chat.completions.create({
    model: 'mock-fast',
    messages: [{ role: 'user', content: 'weather in Oslo' }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { input: { type: 'string' } } } } }],
    tool_choice: 'required',
  });
  const call = r.choices[0].message.tool_calls[0];
  assert.equal(r.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { input: 'weather in Oslo' });
});

test('streamed tool call', async () => {
  const stream = await client.chat.completions.create({
    model: 'mock-fast', messages, stream: true,
    tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
  });
  let name = '';
  let finish = null;
  for await (const chunk of stream) {
    const d = chunk.choices[0];
    if (d?.delta?.tool_calls) name += d.delta.tool_calls[0].function?.name ?? '';
    if (d?.finish_reason) finish = d.finish_reason;
  }
  assert.equal(name, 'lookup');
  assert.equal(finish, 'tool_calls');
});

test('embeddings (the SDK asks for base64 and decodes it)', async () => {
  const r = await client.embeddings.create({ model: 'mock-embed', input: ['alpha', 'beta'] });
  assert.equal(r.data.length, 2);
  assert.equal(r.data[0].embedding.length, 8);
  const norm = Math.sqrt(r.data[0].embedding.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-5, `unit vector, got norm ${norm}`);
  const again = await client.embeddings.create({ model: 'mock-embed', input: 'alpha', encoding_format: 'float' });
  assert.deepEqual(again.data[0].embedding.map((x) => x.toFixed(5)), r.data[0].embedding.map((x) => x.toFixed(5)));
});

test('completions', async () => {
  const r = await client.completions.create({ model: 'mock-fast', prompt: 'once upon', max_tokens: 3 });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.choices[0].text, 'Mock reply from');
  assert.equal(r.choices[0].finish_reason, 'length');
});

test('free models need no key: without an Authorization header the caller is anonymous', async () => {
  const anonymous = new OpenAI({
    baseURL: gw.baseURL, apiKey: 'unused', defaultHeaders: { Authorization: null }, maxRetries: 0,
  });
  const r = await anonymous.chat.completions.create({ model: 'mock-fast', messages });
  assert.equal(r.choices[0].message.content, 'Mock reply from mock-fast: hello sdk');
});

test('an unknown key is refused even for free models', async () => {
  const stranger = new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-tp-unknown', maxRetries: 0 });
  await assert.rejects(stranger.chat.completions.create({ model: 'mock-fast', messages }), (e) => {
    assert.ok(e instanceof OpenAI.AuthenticationError);
    assert.equal(e.code, 'invalid_api_key');
    return true;
  });
});

test('errors surface as the SDK error classes', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'gpt-nope', messages }), (e) => {
    assert.ok(e instanceof OpenAI.NotFoundError);
    assert.equal(e.status, 404);
    assert.equal(e.code, 'model_not_found');
    assert.match(e.message, /Available models: mock-fast, mock-embed/);
    return true;
  });
  await assert.rejects(client.chat.completions.create({ model: 'mock-fast', messages: [] }), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError);
    assert.equal(e.param, 'messages');
    return true;
  });
  await assert.rejects(client.embeddings.create({ model: 'mock-fast', input: 'x' }), (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.code, 'unsupported_operation');
    return true;
  });
});
