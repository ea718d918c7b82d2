// The official `openai` package's Responses API (client.responses) against Turnpike on every kind
// of provider: the mock, an OpenAI-compatible upstream, Anthropic (fake_anthropic) and Gemini
// (fake_gemini). Text and item inputs, the event stream, function tools with a
// function_call_output round trip, stored responses (previous_response_id, retrieve, delete,
// store: false), and each paid call's charge checked on the wallet against the usage reported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { openAccount, priceYaml, providerYaml, startGateway } from './harness.mjs';
import { startFakeAnthropic } from './fake_anthropic.mjs';
import { startFakeGemini } from './fake_gemini.mjs';
import { startFakeUpstream } from './fake_upstream.mjs';

// msat per token; cached prompt tokens have their own price so that a mix-up shows.
const PER = { input: 1000, cached: 100, output: 3000 };
const PRICE = priceYaml(PER);
const FREE = '{input: 0, output: 0}';
// What a Response's usage costs: input_tokens include the cached ones, output_tokens the reasoning.
const costOf = (u) => {
  const cached = u.input_tokens_details?.cached_tokens ?? 0;
  return PER.input * (u.input_tokens - cached) + PER.cached * cached + PER.output * u.output_tokens;
};

const GEMINI_KEY = 'gemini-test-key';

let fakeAnthropic;
let fakeGemini;
let up;
let gw;
let account;
before(async () => {
  fakeAnthropic = await startFakeAnthropic();
  fakeGemini = await startFakeGemini({ apiKey: GEMINI_KEY });
  up = await startFakeUpstream();
  gw = await startGateway(`
billing:
  signup_credit: 10000000000
providers:
${providerYaml({ name: 'mock', plugin: 'mock', price: PRICE, models: [{ id: 'mock-free', price: FREE }, { id: 'mock-paid', maxOutputTokens: 1000 }] })}\
${providerYaml({ name: 'upstream', plugin: 'openai_compat', baseURL: up.baseURL, price: PRICE, maxOutputTokens: 1000, models: [{ id: 'up-paid', upstreamId: 'up-model' }] })}\
${providerYaml({ name: 'claude', plugin: 'anthropic', baseURL: fakeAnthropic.baseURL, apiKey: fakeAnthropic.apiKey, price: PRICE, maxOutputTokens: 1000, models: [{ id: 'claude-paid', upstreamId: 'claude-sonnet-4-5' }] })}\
${providerYaml({ name: 'google', plugin: 'gemini', baseURL: fakeGemini.baseURL, apiKey: GEMINI_KEY, price: PRICE, models: [{ id: 'gemini-paid', upstreamId: 'gemini-2.5-flash' }, { id: 'gemini3-paid', upstreamId: 'gemini-3-pro-preview', maxOutputTokens: 1000 }] })}`);
  account = await openAccount(gw.baseURL);
});
after(async () => {
  assert.equal(await gw.stop(), 0, 'clean exit on SIGTERM');
  await Promise.all([fakeAnthropic.stop(), fakeGemini.stop(), up.stop()]);
});

// Each provider kind: its paid model, its reply to a prompt, and the conversation its upstream
// last received as text (null for the mock, which has no upstream to look at).
const PROVIDERS = {
  mock: { model: 'mock-paid', reply: (p) => `Mock reply from mock-paid: ${p}`, lastSent: () => null },
  openai_compat: {
    model: 'up-paid', reply: (p) => `Upstream reply: ${p}`,
    lastSent: () => JSON.stringify(up.requests.at(-1).body.messages),
  },
  anthropic: {
    model: 'claude-paid', reply: (p) => `Fake Claude reply: ${p}`,
    lastSent: () => JSON.stringify(fakeAnthropic.requests.at(-1).body.messages),
  },
  gemini: {
    model: 'gemini-paid', reply: (p) => `Gemini reply: ${p}`,
    lastSent: () => JSON.stringify(fakeGemini.requests.at(-1).body.contents),
  },
};

const client = (apiKey = account.apiKey) => new OpenAI({ baseURL: gw.baseURL, apiKey, maxRetries: 0, timeout: 20000 });

const weatherTool = {
  type: 'function', name: 'get_weather', description: 'Weather in a city', strict: false,
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'] },
};

function assertUsage(u) {
  assert.ok(u.input_tokens > 0, JSON.stringify(u));
  assert.ok(u.output_tokens > 0, JSON.stringify(u));
  assert.equal(u.total_tokens, u.input_tokens + u.output_tokens);
}

for (const [kind, p] of Object.entries(PROVIDERS)) {
  test(`${kind}: responses.create with a string input, charged for its usage`, async () => {
    let r;
    const cost = await account.charged(async () => { r = await client().responses.create({ model: p.model, input: 'hello responses' }); });
    assert.equal(r.object, 'response');
    assert.match(r.id, /^resp_/);
    assert.equal(r.status, 'completed');
    assert.equal(r.model, p.model);
    assert.equal(r.output_text, p.reply('hello responses'));
    const [item] = r.output.filter((o) => o.type === 'message');
    assert.equal(item.role, 'assistant');
    assert.equal(item.status, 'completed');
    assert.deepEqual(item.content.map((c) => c.type), ['output_text']);
    assert.deepEqual(item.content[0].annotations, []);
    assertUsage(r.usage);
    assert.equal(cost, costOf(r.usage));
  });

  test(`${kind}: responses.create with items and instructions`, async () => {
    let r;
    const cost = await account.charged(async () => {
      r = await client().responses.create({
        model: p.model, instructions: 'Answer briefly.', store: false,
        input: [
          { role: 'developer', content: 'Use plain words.' },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'item input' }] },
        ],
      });
    });
    assert.equal(r.output_text, p.reply('item input'));
    const sent = p.lastSent();
    if (sent) {
      assert.match(sent, /item input/);
      if (kind === 'openai_compat') assert.match(sent, /Use plain words\./);
    }
    assert.equal(cost, costOf(r.usage));
  });

  test(`${kind}: a streamed response: created first, text deltas, completed last with usage, sequence numbers increasing`, async () => {
    const events = [];
    const cost = await account.charged(async () => {
      const stream = await client().responses.create({ model: p.model, input: 'stream this please', stream: true });
      for await (const event of stream) events.push(event);
    });
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    for (const t of ['response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done']) {
      assert.ok(types.includes(t), `${t} in ${types.join(',')}`);
    }
    events.forEach((e, i) => {
      assert.equal(typeof e.sequence_number, 'number', `${e.type} has a sequence_number`);
      if (i > 0) assert.ok(e.sequence_number > events[i - 1].sequence_number, `${e.type} after ${events[i - 1].type}`);
    });
    const deltas = events.filter((e) => e.type === 'response.output_text.delta');
    assert.ok(deltas.length >= 2, `${deltas.length} deltas`);
    assert.equal(deltas.map((d) => d.delta).join(''), p.reply('stream this please'));
    const done = events.find((e) => e.type === 'response.output_text.done');
    assert.equal(done.text, p.reply('stream this please'));
    const completed = events.at(-1).response;
    assert.equal(completed.status, 'completed');
    assert.equal(completed.id, events[0].response.id);
    assertUsage(completed.usage);
    assert.equal(cost, costOf(completed.usage));
    // Streamed with store left at its default: kept as it completed.
    const kept = await client().responses.retrieve(completed.id);
    assert.equal(kept.output_text, p.reply('stream this please'));
    assert.deepEqual(kept.usage, completed.usage);
  });

  test(`${kind}: responses.stream().finalResponse() assembles the same text`, async () => {
    const texts = [];
    const final = await client().responses.stream({ model: p.model, input: 'assemble me', store: false })
      .on('response.output_text.delta', (e) => texts.push(e.delta))
      .finalResponse();
    assert.equal(texts.join(''), p.reply('assemble me'));
    assert.equal(final.output_text, p.reply('assemble me'));
  });

  test(`${kind}: function tools, then a function_call_output round trip (stateless, items)`, async () => {
    const input = [{ role: 'user', content: 'weather in Oslo' }];
    let first;
    let second;
    const cost = await account.charged(async () => {
      first = await client().responses.create({ model: p.model, input, tools: [weatherTool], store: false });
      const call = first.output.find((o) => o.type === 'function_call');
      second = await client().responses.create({
        model: p.model, tools: [weatherTool], store: false,
        input: [...input, ...first.output, { type: 'function_call_output', call_id: call.call_id, output: 'sunny-18C' }],
      });
    });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call, JSON.stringify(first.output));
    assert.equal(call.name, 'get_weather');
    assert.equal(call.status, 'completed');
    assert.ok(call.call_id);
    const args = JSON.parse(call.arguments);
    assert.equal(typeof args.city, 'string');
    assert.equal(args.unit, 'celsius');
    assert.match(second.output_text, /sunny-18C/);
    assert.equal(cost, costOf(first.usage) + costOf(second.usage));
  });

  test(`${kind}: a streamed function call: arguments deltas add up to the item's arguments`, async () => {
    const events = [];
    const stream = await client().responses.create({ model: p.model, input: 'weather in Oslo', tools: [weatherTool], store: false, stream: true });
    for await (const event of stream) events.push(event);
    const added = events.find((e) => e.type === 'response.output_item.added' && e.item.type === 'function_call');
    assert.ok(added, events.map((e) => e.type).join(','));
    assert.equal(added.item.name, 'get_weather');
    const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('');
    const doneArgs = events.find((e) => e.type === 'response.function_call_arguments.done');
    assert.equal(doneArgs.arguments, deltas);
    const item = events.find((e) => e.type === 'response.output_item.done' && e.item.type === 'function_call').item;
    assert.equal(item.arguments, deltas);
    assert.equal(JSON.parse(deltas).unit, 'celsius');
    assert.equal(events.at(-1).type, 'response.completed');
  });

  test(`${kind}: previous_response_id continues a stored response, and retrieve returns it`, async () => {
    let first;
    let second;
    const cost = await account.charged(async () => {
      first = await client().responses.create({ model: p.model, input: 'my name is Ada' });
      second = await client().responses.create({ model: p.model, previous_response_id: first.id, input: 'what is my name?' });
    });
    assert.equal(second.output_text, p.reply('what is my name?'));
    assert.equal(second.previous_response_id, first.id);
    const sent = p.lastSent();
    if (sent) {
      assert.match(sent, /my name is Ada/, 'the stored turn reached the upstream');
      assert.ok(sent.includes(first.output_text), 'with the stored answer');
    }
    // The same question alone: the history made the prompt longer.
    const alone = await client().responses.create({ model: p.model, input: 'what is my name?', store: false });
    assert.ok(second.usage.input_tokens > alone.usage.input_tokens, `${second.usage.input_tokens} > ${alone.usage.input_tokens}`);
    assert.equal(cost, costOf(first.usage) + costOf(second.usage));

    const again = await client().responses.retrieve(first.id);
    assert.equal(again.id, first.id);
    assert.equal(again.status, 'completed');
    assert.equal(again.output_text, first.output_text);
    assert.deepEqual(again.usage, first.usage);
  });

  test(`${kind}: previous_response_id carries a function call to its function_call_output`, async () => {
    const first = await client().responses.create({ model: p.model, input: 'weather in Oslo', tools: [weatherTool] });
    const call = first.output.find((o) => o.type === 'function_call');
    const second = await client().responses.create({
      model: p.model, tools: [weatherTool], previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'rainy-9C' }],
    });
    assert.match(second.output_text, /rainy-9C/);
  });
}

test('store: false is not kept: retrieve is NotFoundError', async () => {
  const r = await client().responses.create({ model: 'mock-paid', input: 'forget me', store: false });
  await assert.rejects(client().responses.retrieve(r.id), (e) => {
    assert.ok(e instanceof OpenAI.NotFoundError, e.constructor.name);
    assert.equal(e.status, 404);
    return true;
  });
  await assert.rejects(client().responses.create({ model: 'mock-paid', input: 'more', previous_response_id: r.id }), (e) => {
    assert.ok(e instanceof OpenAI.NotFoundError, e.constructor.name);
    assert.equal(e.code, 'previous_response_not_found');
    assert.equal(e.param, 'previous_response_id');
    return true;
  });
});

test('responses.delete removes a stored response', async () => {
  const r = await client().responses.create({ model: 'mock-paid', input: 'delete me' });
  assert.equal((await client().responses.retrieve(r.id)).id, r.id);
  await client().responses.delete(r.id);
  await assert.rejects(client().responses.retrieve(r.id), (e) => e instanceof OpenAI.NotFoundError);
  await assert.rejects(client().responses.delete(r.id), (e) => e instanceof OpenAI.NotFoundError);
});

test('a stored response belongs to its account: another key cannot read, continue or delete it', async () => {
  const r = await client().responses.create({ model: 'mock-paid', input: 'mine only' });
  const other = await openAccount(gw.baseURL);
  await assert.rejects(client(other.apiKey).responses.retrieve(r.id), (e) => e instanceof OpenAI.NotFoundError);
  await assert.rejects(client(other.apiKey).responses.delete(r.id), (e) => e instanceof OpenAI.NotFoundError);
  await assert.rejects(client(other.apiKey).responses.create({ model: 'mock-paid', input: 'x', previous_response_id: r.id }),
    (e) => e instanceof OpenAI.NotFoundError && e.code === 'previous_response_not_found');
  // Without a key there is no account to read it from or continue it in.
  await assert.rejects(client('unused').responses.retrieve(r.id), (e) => e instanceof OpenAI.AuthenticationError);
  await assert.rejects(client('unused').responses.create({ model: 'mock-free', input: 'x', previous_response_id: r.id }),
    (e) => e instanceof OpenAI.NotFoundError && e.code === 'previous_response_not_found');
  assert.equal((await client().responses.retrieve(r.id)).id, r.id, 'still there for its owner');
});

test('responses errors are the SDK\'s classes', async () => {
  await assert.rejects(client().responses.create({ model: 'nope', input: 'x' }), (e) => {
    assert.ok(e instanceof OpenAI.NotFoundError, e.constructor.name);
    assert.equal(e.code, 'model_not_found');
    return true;
  });
  await assert.rejects(client('sk-tp-unknown').responses.create({ model: 'mock-free', input: 'x' }), (e) => e instanceof OpenAI.AuthenticationError);
  await assert.rejects(client().responses.create({ model: 'mock-paid' }), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, e.constructor.name);
    assert.equal(e.param, 'input');
    return true;
  });
  await assert.rejects(client().responses.create({ model: 'mock-paid', input: 'mock:fail=429 now' }), (e) => {
    assert.ok(e instanceof OpenAI.RateLimitError, e.constructor.name);
    assert.equal(e.headers.get('retry-after'), '1');
    return true;
  });
});

test('a free model without a key answers; with no account nothing is stored', async () => {
  const r = await client('unused').responses.create({ model: 'mock-free', input: 'anonymous', store: false });
  assert.equal(r.output_text, 'Mock reply from mock-free: anonymous');
  const kept = await client('unused').responses.create({ model: 'mock-free', input: 'anonymous again' });
  assert.equal(kept.output_text, 'Mock reply from mock-free: anonymous again');
  await assert.rejects(client().responses.retrieve(kept.id), (e) => e instanceof OpenAI.NotFoundError);
});

test('gemini: reasoning effort reaches Gemini, its thoughts are output tokens (reasoning_tokens) billed at the output price', async () => {
  let r;
  const cost = await account.charged(async () => {
    r = await client().responses.create({ model: 'gemini-paid', input: 'think first', reasoning: { effort: 'low' }, store: false });
  });
  assert.equal(r.output_text, 'Gemini reply: think first');
  assert.deepEqual(fakeGemini.requests.at(-1).body.generationConfig.thinkingConfig, { thinkingBudget: 1024, includeThoughts: true });
  assert.equal(r.usage.output_tokens_details.reasoning_tokens, 12);
  assert.ok(r.usage.output_tokens > 12);
  assert.equal(r.usage.input_tokens_details.cached_tokens, 4);
  assert.equal(cost, costOf(r.usage));
});

test('a stored response can be read and continued as soon as its create (or its stream) has returned', async () => {
  // OpenAI's contract: once the response is complete it is stored. Several clients at once over
  // many rounds, since a store written after the client already has its answer is missed only
  // now and then (more often while the store's writer has others' writes queued).
  const misses = [];
  const round = async (i) => {
    const r = await client().responses.create({ model: 'mock-free', input: `kept ${i}` });
    await client().responses.retrieve(r.id).catch((e) => misses.push(`retrieve after create: ${e.status}`));
    const next = await client().responses.create({ model: 'mock-free', input: `continued ${i}` });
    await client().responses.create({ model: 'mock-free', input: 'and then', previous_response_id: next.id, store: false })
      .catch((e) => misses.push(`previous_response_id after create: ${e.status}`));
    let id;
    for await (const event of await client().responses.create({ model: 'mock-free', input: `streamed ${i}`, stream: true })) {
      if (event.type === 'response.completed') id = event.response.id;
    }
    await client().responses.retrieve(id).catch((e) => misses.push(`retrieve after stream: ${e.status}`));
  };
  await Promise.all(Array.from({ length: 4 }, async (_, worker) => {
    for (let i = 0; i < 25; i++) await round(`${worker}.${i}`);
  }));
  assert.deepEqual(misses, []);
});

test('gemini 3: a signed function call continued by previous_response_id and by items', async () => {
  const tools = [weatherTool];
  const first = await client().responses.create({ model: 'gemini3-paid', input: 'weather in Oslo', tools });
  const call = first.output.find((o) => o.type === 'function_call');
  assert.ok(call, JSON.stringify(first.output));
  // fake_gemini refuses a Gemini 3 turn whose function call lost its signature.
  const stored = await client().responses.create({
    model: 'gemini3-paid', tools, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
  });
  assert.match(stored.output_text, /get_weather returned .*sunny/);
  const items = await client().responses.create({
    model: 'gemini3-paid', tools, store: false,
    input: [{ role: 'user', content: 'weather in Oslo' }, ...first.output, { type: 'function_call_output', call_id: call.call_id, output: 'rainy' }],
  });
  assert.match(items.output_text, /get_weather returned .*rainy/);
});

for (const [kind, model] of [['anthropic', 'claude-paid'], ['gemini', 'gemini-paid']]) {
  test(`${kind}: a custom tool (Codex's apply_patch) is called as a custom_tool_call and answered with custom_tool_call_output`, async () => {
    const tools = [{ type: 'custom', name: 'apply_patch', description: 'Apply a patch to files' }];
    const input = [{ role: 'user', content: 'apply_patch to fix the bug' }];
    const events = [];
    for await (const e of await client().responses.create({ model, input, tools, store: false, stream: true })) events.push(e);
    const item = events.find((e) => e.type === 'response.output_item.done' && e.item.type === 'custom_tool_call')?.item;
    assert.ok(item, events.map((e) => `${e.type}:${e.item?.type ?? ''}`).join(','));
    assert.equal(item.name, 'apply_patch');
    assert.equal(typeof item.input, 'string');
    const deltas = events.filter((e) => e.type === 'response.custom_tool_call_input.delta').map((e) => e.delta).join('');
    assert.equal(deltas, item.input);
    const answer = await client().responses.create({
      model, tools, store: false,
      input: [...input, item, { type: 'custom_tool_call_output', call_id: item.call_id, output: 'patched-ok' }],
    });
    assert.match(answer.output_text, /patched-ok/);
  });
}

test('openai_compat: a long function name is shortened upstream and comes back whole; tool_choice and parallel_tool_calls reach the upstream', async () => {
  const long = `mcp__filesystem_server__${'read_the_whole_directory_tree_'.repeat(3)}x`;
  const tool = { type: 'function', name: long, parameters: { type: 'object', properties: { path: { type: 'string' } } }, strict: false };
  const r = await client().responses.create({
    model: 'up-paid', input: 'list /', tools: [tool, weatherTool], store: false,
    tool_choice: { type: 'function', name: long }, parallel_tool_calls: false,
  });
  const sent = up.requests.at(-1).body;
  const sentName = sent.tools[0].function.name;
  assert.ok(/^[a-zA-Z0-9_-]{1,64}$/.test(sentName), sentName);
  assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: sentName } });
  assert.equal(sent.parallel_tool_calls, false);
  const call = r.output.find((o) => o.type === 'function_call');
  assert.equal(call.name, long);
  await client().responses.create({ model: 'up-paid', input: 'weather', tools: [weatherTool], tool_choice: 'required', store: false });
  assert.equal(up.requests.at(-1).body.tool_choice, 'required');
});

test('openai_compat: instructions are not carried over by previous_response_id, the conversation is', async () => {
  const first = await client().responses.create({ model: 'up-paid', instructions: 'FIRST-INSTRUCTIONS', input: 'remember blue' });
  assert.match(JSON.stringify(up.requests.at(-1).body.messages), /FIRST-INSTRUCTIONS/);
  await client().responses.create({ model: 'up-paid', instructions: 'SECOND-INSTRUCTIONS', previous_response_id: first.id, input: 'what colour?' });
  const sent = up.requests.at(-1).body.messages;
  assert.ok(!JSON.stringify(sent).includes('FIRST-INSTRUCTIONS'), JSON.stringify(sent));
  assert.match(JSON.stringify(sent), /SECOND-INSTRUCTIONS/);
  assert.deepEqual(sent.filter((m) => m.role !== 'system').map((m) => m.role), ['user', 'assistant', 'user']);
});
