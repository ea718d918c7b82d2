// The gemini plugin in the real binary against fake_gemini.mjs: what reaches Gemini (sanitised
// schemas, the key in x-goog-api-key, thought signatures returned) and what clients get back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway } from './harness.mjs';
import { startFakeGemini } from './fake_gemini.mjs';

const KEY = 'gemini-test-key';
let fake;
let gw;

before(async () => {
  fake = await startFakeGemini({ apiKey: KEY });
  gw = await startGateway(`
providers:
  - name: google
    plugin: gemini
    base_url: ${fake.baseURL}
    api_key: ${KEY}
    discover_models: true
    models:
      - id: g25
        upstream_id: gemini-2.5-flash
      - id: g3
        upstream_id: gemini-3-pro-preview
      - id: gembed
        upstream_id: text-embedding-004
        capabilities: [embeddings]
`);
});

after(async () => {
  await gw?.stop();
  await fake?.stop();
});

async function post(path, body) {
  const r = await fetch(gw.baseURL + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, text: await r.text() };
}

function chunksOf(text) {
  return text.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)));
}

// What zod / pydantic emit: Gemini refuses every one of these keywords.
const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: false,
      properties: { city: { type: ['string', 'null'] }, unit: { const: 'celsius' } }, required: ['city'],
    },
  },
}];

test('text with thinking: reasoning_content and thoughts billed as output', async () => {
  const r = await post('/chat/completions', { model: 'g25', messages: [{ role: 'user', content: 'hello there' }], reasoning_effort: 'low' });
  assert.equal(r.status, 200, r.text);
  const body = JSON.parse(r.text);
  assert.equal(body.choices[0].message.content, 'Gemini reply: hello there');
  assert.equal(body.choices[0].message.reasoning_content, 'Thinking about hello there.');
  assert.equal(body.usage.completion_tokens_details.reasoning_tokens, 12);
  assert.ok(body.usage.completion_tokens > 12);
  assert.equal(body.usage.prompt_tokens_details.cached_tokens, 4);
  const sent = fake.requests.at(-1);
  assert.equal(sent.headers['x-goog-api-key'], KEY);
  assert.deepEqual(sent.body.generationConfig.thinkingConfig, { thinkingBudget: 1024, includeThoughts: true });
});

test('a Gemini 3 tool round trip: sanitised schema, signature back on the call, tool_calls finish', async () => {
  const messages = [{ role: 'user', content: 'Paris' }];
  const first = await post('/chat/completions', { model: 'g3', messages, tools, stream: true });
  assert.equal(first.status, 200, first.text);
  const chunks = chunksOf(first.text);
  const call = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? [])[0];
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris', unit: 'celsius' });
  assert.match(call.id, /^[A-Za-z0-9_-]+$/);
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');

  // The fake refuses a gemini-3 turn whose call lacks the signature it issued.
  const second = await post('/chat/completions', {
    model: 'g3', tools,
    messages: [...messages, { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: call.function }] },
      { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
  });
  assert.equal(second.status, 200, second.text);
  assert.equal(JSON.parse(second.text).choices[0].message.content, 'Gemini saw get_weather returned {"result":"sunny"}');
  const sent = fake.requests.at(-1).body;
  assert.ok(sent.contents[1].parts[0].thoughtSignature);
  assert.equal(sent.contents[2].parts[0].functionResponse.name, 'get_weather');
});

test('Gemini errors keep their status and code', async () => {
  fake.failNext(1);
  const r = await post('/chat/completions', { model: 'g25', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(r.status, 429, r.text);
  assert.equal(JSON.parse(r.text).error.code, 'resource_exhausted');
  assert.ok(!r.text.includes(KEY));
});

test('embeddings and discovered models', async () => {
  const r = await post('/embeddings', { model: 'gembed', input: ['a', 'bb'] });
  assert.equal(r.status, 200, r.text);
  assert.equal(JSON.parse(r.text).data.length, 2);
  const models = await (await fetch(`${gw.baseURL}/models`)).json();
  const ids = models.data.map((m) => m.id);
  assert.ok(ids.includes('gemini-3-pro-preview'), ids.join(','));  // from the second page
  assert.ok(!ids.includes('text-embedding-004'));                 // no generateContent
});
