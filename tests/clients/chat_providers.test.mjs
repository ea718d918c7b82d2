// The official `openai` package's chat completions against the providers that do not speak
// OpenAI chat: Anthropic (fake_anthropic, requests translated to Messages) and Gemini
// (fake_gemini). Create, streams with include_usage, tool round trips, and the upstream's usage
// mapped to OpenAI's (Anthropic's input + cache counts as prompt_tokens; Gemini's cached tokens,
// and its thoughts counted as completion), each paid call's charge checked on the wallet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { openAccount, priceYaml, providerYaml, startGateway } from './harness.mjs';
import { startFakeAnthropic } from './fake_anthropic.mjs';
import { startFakeGemini } from './fake_gemini.mjs';

const PER = { input: 1000, cached: 100, cacheWrite: 1250, output: 3000 };
const PRICE = priceYaml(PER);
// What a chat usage costs: prompt_tokens include the cache reads and writes.
const costOf = (u) => {
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  const written = u.prompt_tokens_details?.cache_write_tokens ?? 0;
  return PER.input * (u.prompt_tokens - cached - written) + PER.cached * cached + PER.cacheWrite * written + PER.output * u.completion_tokens;
};

const GEMINI_KEY = 'gemini-test-key';
// The fakes' token counts, as they compute them.
const fakeTokens = (s) => (s.length === 0 ? 0 : Math.ceil(s.length / 4));
const geminiTokens = (s) => Math.max(1, Math.ceil(s.length / 4));

let fakeAnthropic;
let fakeGemini;
let gw;
let account;
let client;
before(async () => {
  fakeAnthropic = await startFakeAnthropic();
  fakeGemini = await startFakeGemini({ apiKey: GEMINI_KEY });
  gw = await startGateway(`
billing:
  signup_credit: 10000000000
providers:
${providerYaml({ name: 'claude', plugin: 'anthropic', baseURL: fakeAnthropic.baseURL, apiKey: fakeAnthropic.apiKey, price: PRICE, maxOutputTokens: 1000, models: [{ id: 'claude-paid', upstreamId: 'claude-sonnet-4-5' }] })}\
${providerYaml({ name: 'google', plugin: 'gemini', baseURL: fakeGemini.baseURL, apiKey: GEMINI_KEY, price: PRICE, maxOutputTokens: 1000, models: [{ id: 'gemini-paid', upstreamId: 'gemini-2.5-flash' }] })}`);
  account = await openAccount(gw.baseURL);
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: account.apiKey, maxRetries: 0, timeout: 20000 });
});
after(async () => {
  assert.equal(await gw.stop(), 0, 'clean exit on SIGTERM');
  await Promise.all([fakeAnthropic.stop(), fakeGemini.stop()]);
});

// What fake_anthropic counted for the request it last received: its count_tokens of the same
// prompt is input + cache reads + cache writes.
async function anthropicPromptTokens() {
  const { body } = fakeAnthropic.requests.at(-1);
  const direct = new Anthropic({ baseURL: fakeAnthropic.baseURL, apiKey: fakeAnthropic.apiKey, maxRetries: 0 });
  const { max_tokens: _m, stream: _s, stop_sequences: _q, temperature: _t, top_p: _p, metadata: _d, ...countable } = body;
  return (await direct.messages.countTokens(countable)).input_tokens;
}
// fake_gemini's promptTokenCount for the request it last received (4 of them cached).
const geminiPromptTokens = () => geminiTokens(JSON.stringify(fakeGemini.requests.at(-1).body.contents ?? [])) + 4;

const PROVIDERS = {
  anthropic: {
    model: 'claude-paid', reply: (p) => `Fake Claude reply: ${p}`,
    // The fake counts a reply's text; tool calls by their input.
    expectedUsage: async (text) => ({ prompt: await anthropicPromptTokens(), cached: 0, completion: fakeTokens(text) }),
  },
  gemini: {
    model: 'gemini-paid', reply: (p) => `Gemini reply: ${p}`,
    expectedUsage: async (text) => ({ prompt: geminiPromptTokens(), cached: 4, completion: geminiTokens(JSON.stringify([{ text }])) }),
  },
};

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather', description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'] },
  },
};
const timeTool = {
  type: 'function',
  function: { name: 'get_time', description: 'Time in a zone', parameters: { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } }, required: ['zone'] } },
};

for (const [kind, p] of Object.entries(PROVIDERS)) {
  test(`openai chat ${kind}: create, the upstream's usage mapped, charged`, async () => {
    let r;
    const cost = await account.charged(async () => {
      r = await client.chat.completions.create({ model: p.model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello chat' }] });
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, p.model);
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, p.reply('hello chat'));
    assert.equal(r.choices[0].finish_reason, 'stop');
    const want = await p.expectedUsage(r.choices[0].message.content);
    assert.equal(r.usage.prompt_tokens, want.prompt);
    assert.equal(r.usage.prompt_tokens_details.cached_tokens, want.cached);
    assert.equal(r.usage.completion_tokens, want.completion);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
    assert.equal(cost, costOf(r.usage));
    assert.equal(r.usage.cost, cost, 'usage.cost is what the wallet paid');
  });

  test(`openai chat ${kind}: stream with include_usage`, async () => {
    let text = '';
    let usage;
    let chunks = 0;
    let finish;
    const cost = await account.charged(async () => {
      const stream = await client.chat.completions.create({
        model: p.model, messages: [{ role: 'user', content: 'stream chat' }], stream: true, stream_options: { include_usage: true },
      });
      for await (const chunk of stream) {
        chunks++;
        assert.equal(chunk.object, 'chat.completion.chunk');
        if (chunk.usage) {
          assert.deepEqual(chunk.choices, [], 'usage comes in a chunk of its own');
          usage = chunk.usage;
        }
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
    });
    assert.equal(text, p.reply('stream chat'));
    assert.equal(finish, 'stop');
    assert.ok(chunks > 3, `${chunks} chunks`);
    assert.ok(usage, 'a usage chunk');
    const want = await p.expectedUsage(text);
    assert.equal(usage.prompt_tokens, want.prompt);
    assert.equal(usage.prompt_tokens_details.cached_tokens, want.cached);
    assert.ok(usage.completion_tokens > 0);
    assert.equal(cost, costOf(usage));
  });

  test(`openai chat ${kind}: a stream without include_usage has no usage chunk but is still charged`, async () => {
    let sawUsage = false;
    const cost = await account.charged(async () => {
      const stream = await client.chat.completions.create({ model: p.model, messages: [{ role: 'user', content: 'no usage' }], stream: true });
      for await (const chunk of stream) if (chunk.usage) sawUsage = true;
    });
    assert.equal(sawUsage, false);
    assert.ok(cost > 0);
  });

  test(`openai chat ${kind}: tools round trip`, async () => {
    const messages = [{ role: 'user', content: 'weather in Oslo' }];
    let first;
    let second;
    const cost = await account.charged(async () => {
      first = await client.chat.completions.create({ model: p.model, messages, tools: [weatherTool] });
      const [call] = first.choices[0].message.tool_calls;
      second = await client.chat.completions.create({
        model: p.model, tools: [weatherTool],
        messages: [...messages, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'sunny-18C' }],
      });
    });
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    const calls = first.choices[0].message.tool_calls;
    assert.equal(calls.length, 1);
    assert.equal(calls[0].type, 'function');
    assert.equal(calls[0].function.name, 'get_weather');
    assert.ok(calls[0].id);
    const args = JSON.parse(calls[0].function.arguments);
    assert.equal(typeof args.city, 'string');
    assert.equal(args.unit, 'celsius');
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.match(second.choices[0].message.content, /sunny-18C/);
    assert.equal(cost, costOf(first.usage) + costOf(second.usage));
  });

  test(`openai chat ${kind}: a streamed tool call, then its result`, async () => {
    const messages = [{ role: 'user', content: 'weather in Oslo' }];
    const calls = [];
    let finish;
    let usage;
    const cost = await account.charged(async () => {
      const stream = await client.chat.completions.create({ model: p.model, messages, tools: [weatherTool], stream: true, stream_options: { include_usage: true } });
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
          calls[d.index] ??= { id: '', name: '', arguments: '' };
          calls[d.index].id += d.id ?? '';
          calls[d.index].name += d.function?.name ?? '';
          calls[d.index].arguments += d.function?.arguments ?? '';
        }
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
    });
    assert.equal(finish, 'tool_calls');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, 'get_weather');
    assert.equal(JSON.parse(calls[0].arguments).unit, 'celsius');
    assert.equal(cost, costOf(usage));
    const answer = await client.chat.completions.create({
      model: p.model, tools: [weatherTool],
      messages: [...messages, { role: 'assistant', content: null, tool_calls: [{ id: calls[0].id, type: 'function', function: { name: calls[0].name, arguments: calls[0].arguments } }] },
        { role: 'tool', tool_call_id: calls[0].id, content: 'cloudy-7C' }],
    });
    assert.match(answer.choices[0].message.content, /cloudy-7C/);
  });

  test(`openai chat ${kind}: an upstream 429 is RateLimitError and costs nothing`, async () => {
    const cost = await account.charged(async () => {
      const content = kind === 'anthropic' ? 'fake:429' : (fakeGemini.failNext(1), 'limited');
      await assert.rejects(client.chat.completions.create({ model: p.model, messages: [{ role: 'user', content }] }), (e) => {
        assert.ok(e instanceof OpenAI.RateLimitError, `${e.constructor.name}: ${e.message}`);
        return true;
      });
    });
    assert.equal(cost, 0);
  });
}

test('openai chat anthropic: two tools when asked, streamed with indices 0 and 1, answered with two tool messages', async () => {
  const messages = [{ role: 'user', content: 'Use both tools for Paris' }];
  const calls = [];
  const stream = await client.chat.completions.create({ model: 'claude-paid', messages, tools: [weatherTool, timeTool], stream: true });
  for await (const chunk of stream) {
    for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
      calls[d.index] ??= { id: '', name: '', arguments: '' };
      calls[d.index].id += d.id ?? '';
      calls[d.index].name += d.function?.name ?? '';
      calls[d.index].arguments += d.function?.arguments ?? '';
    }
  }
  assert.deepEqual(calls.map((c) => c.name), ['get_weather', 'get_time']);
  assert.notEqual(calls[0].id, calls[1].id);
  assert.deepEqual(JSON.parse(calls[1].arguments), { zone: 'UTC' });
  const answer = await client.chat.completions.create({
    model: 'claude-paid', tools: [weatherTool, timeTool],
    messages: [...messages,
      { role: 'assistant', content: null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) },
      { role: 'tool', tool_call_id: calls[0].id, content: '18C' }, { role: 'tool', tool_call_id: calls[1].id, content: '12:00' }],
  });
  // fake_anthropic refuses tool results that are not one user message right after the calls.
  assert.equal(answer.choices[0].message.content, `Tool ${calls[0].id} said: 18C; Tool ${calls[1].id} said: 12:00`);
  const sent = fakeAnthropic.requests.at(-1).body;
  assert.equal(sent.messages.at(-1).role, 'user');
  assert.deepEqual(sent.messages.at(-1).content.map((b) => b.type), ['tool_result', 'tool_result']);
});

test('openai chat anthropic: system messages become system, max_tokens reaches Anthropic, finish reasons mapped', async () => {
  const r = await client.chat.completions.create({
    model: 'claude-paid', max_tokens: 3,
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Write a long essay about the sea' }],
  });
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 3);
  const sent = fakeAnthropic.requests.at(-1);
  assert.equal(sent.body.max_tokens, 3);
  assert.deepEqual(sent.body.messages.map((m) => m.role), ['user']);
  assert.match(JSON.stringify(sent.body.system), /Be brief\./);
  assert.equal(sent.headers['x-api-key'], fakeAnthropic.apiKey);
  assert.ok(sent.headers['anthropic-version']);
  const refused = await client.chat.completions.create({ model: 'claude-paid', messages: [{ role: 'user', content: 'fake:refusal' }] });
  assert.equal(refused.choices[0].finish_reason, 'content_filter');
  const stopped = await client.chat.completions.create({ model: 'claude-paid', stop: ['STOP'], messages: [{ role: 'user', content: 'Say this then STOP and more' }] });
  assert.equal(stopped.choices[0].finish_reason, 'stop');
  assert.equal(stopped.choices[0].message.content, 'Fake Claude reply: Say this then ');
});

test('openai chat anthropic: an overloaded Anthropic (529) is a retryable 503', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'claude-paid', messages: [{ role: 'user', content: 'fake:529' }] }), (e) => {
    assert.ok(e instanceof OpenAI.InternalServerError, e.constructor.name);
    assert.equal(e.status, 503);
    return true;
  });
});

test('openai chat gemini: thoughts are completion tokens (reasoning_tokens), billed at the output price', async () => {
  let r;
  const cost = await account.charged(async () => {
    r = await client.chat.completions.create({ model: 'gemini-paid', reasoning_effort: 'low', messages: [{ role: 'user', content: 'think about it' }] });
  });
  assert.equal(r.choices[0].message.content, 'Gemini reply: think about it');
  assert.equal(r.choices[0].message.reasoning_content, 'Thinking about think about it.');
  const visible = geminiTokens(JSON.stringify([{ text: 'Gemini reply: think about it' }]));
  assert.equal(r.usage.completion_tokens_details.reasoning_tokens, 12);
  assert.equal(r.usage.completion_tokens, visible + 12);
  assert.equal(r.usage.prompt_tokens, geminiPromptTokens());
  assert.equal(r.usage.prompt_tokens_details.cached_tokens, 4);
  assert.equal(cost, costOf(r.usage));

  let usage;
  let reasoning = '';
  const streamCost = await account.charged(async () => {
    const stream = await client.chat.completions.create({
      model: 'gemini-paid', reasoning_effort: 'low', messages: [{ role: 'user', content: 'think about it' }], stream: true, stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      reasoning += chunk.choices[0]?.delta?.reasoning_content ?? '';
    }
  });
  assert.equal(reasoning, 'Thinking about think about it.');
  assert.equal(usage.completion_tokens_details.reasoning_tokens, 12);
  assert.ok(usage.completion_tokens > 12);
  assert.equal(streamCost, costOf(usage));
});

test('openai chat anthropic: an assistant turn with content "" and tool_calls sends no empty text block', async () => {
  const first = await client.chat.completions.create({ model: 'claude-paid', messages: [{ role: 'user', content: 'weather in Oslo' }], tools: [weatherTool] });
  const [call] = first.choices[0].message.tool_calls;
  const answer = await client.chat.completions.create({
    model: 'claude-paid', tools: [weatherTool],
    messages: [{ role: 'user', content: 'weather in Oslo' }, { role: 'assistant', content: '', tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: 'windy' }],
  });
  assert.equal(answer.choices[0].message.content, `Tool ${call.id} said: windy`);
});

for (const [kind, p] of Object.entries(PROVIDERS)) {
  // Chat requests reach chat-speaking upstreams as they are; an upstream that takes function
  // tools only says so clearly (Responses clients' custom tools are converted instead).
  test(`openai chat ${kind}: a custom tool is refused with a clear 400`, async () => {
    const tools = [{ type: 'custom', custom: { name: 'apply_patch', description: 'Apply a patch to files' } }];
    const messages = [{ role: 'user', content: 'apply_patch to fix the bug' }];
    await assert.rejects(client.chat.completions.create({ model: p.model, messages, tools }), (e) => {
      assert.ok(e instanceof OpenAI.BadRequestError, String(e));
      assert.match(e.message, /function tools/);
      return true;
    });
  });
}
