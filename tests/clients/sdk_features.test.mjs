// What applications do with the client libraries beyond a plain completion — tool loops,
// structured output, embeddings, stream parts, cancelling a stream, retrying a 429 — against the
// mock provider and an OpenAI-compatible upstream behind openai_compat, on free and paid models,
// each paid call's charge checked against its usage on the wallet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { embed, generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import OpenAI from 'openai';
import OpenAIv4 from 'openai-v4';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { openAccount, startGateway } from './harness.mjs';
import { startFakeUpstream } from './fake_upstream.mjs';

// 1000 msat per token in and out: a call costs exactly 1000 x its total tokens.
const PER_TOKEN = 1000;
const PRICE = `{input: ${PER_TOKEN * 1_000_000}, output: ${PER_TOKEN * 1_000_000}}`;

let up;
let gw;
let account;
before(async () => {
  up = await startFakeUpstream();
  gw = await startGateway(`
billing:
  signup_credit: 100000000
providers:
  - name: mock
    plugin: mock
    models:
      - id: mock-free
        price: {input: 0, output: 0}
      - id: mock-paid
        price: ${PRICE}
        max_output_tokens: 256
  - name: paced
    plugin: mock
    chunk_delay_ms: 100
    models:
      - id: mock-paced
        price: ${PRICE}
        max_output_tokens: 256
  - name: upstream
    plugin: openai_compat
    base_url: ${up.baseURL}
    models:
      - id: up-free
        upstream_id: up-model
        price: {input: 0, output: 0}
      - id: up-paid
        upstream_id: up-model
        price: ${PRICE}
        max_output_tokens: 256
`);
  account = await openAccount(gw.baseURL);
});
after(async () => {
  assert.equal(await gw.stop(), 0, 'clean exit on SIGTERM');
  await up.stop();
});

// Each backend's free and paid model, and what its answer to a tool result looks like.
const BACKENDS = {
  mock: { free: 'mock-free', paid: 'mock-paid', embedDims: 8 },
  upstream: { free: 'up-free', paid: 'up-paid', embedDims: 4 },
};
const TIERS = ['free', 'paid'];
const expected = (tier, tokens) => (tier === 'paid' ? PER_TOKEN * tokens : 0);

const weatherParameters = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
  required: ['city', 'unit'],
};

// ---------------------------------------------------------------- openai SDK, latest and v4

const SDKS = { 'openai (latest)': OpenAI, 'openai v4': OpenAIv4 };

for (const [sdk, Client] of Object.entries(SDKS)) {
  for (const [backend, models] of Object.entries(BACKENDS)) {
    for (const tier of TIERS) {
      const model = models[tier];
      test(`${sdk} ${backend} ${tier}: tools round trip`, async () => {
        const client = new Client({ baseURL: gw.baseURL, apiKey: account.apiKey, maxRetries: 0 });
        const tools = [{ type: 'function', function: { name: 'get_weather', parameters: weatherParameters } }];
        const messages = [{ role: 'user', content: 'weather in Oslo' }];
        let tokens = 0;
        const cost = await account.charged(async () => {
          const first = await client.chat.completions.create({ model, messages, tools });
          tokens += first.usage.total_tokens;
          assert.equal(first.choices[0].finish_reason, 'tool_calls');
          const [call] = first.choices[0].message.tool_calls;
          assert.equal(call.function.name, 'get_weather');
          const args = JSON.parse(call.function.arguments);
          assert.equal(typeof args.city, 'string');
          assert.equal(args.unit, 'celsius');
          const second = await client.chat.completions.create({
            model, tools,
            messages: [...messages, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
          });
          tokens += second.usage.total_tokens;
          assert.equal(second.choices[0].finish_reason, 'stop');
          assert.match(second.choices[0].message.content, /sunny/);
        });
        assert.equal(cost, expected(tier, tokens));
      });

      test(`${sdk} ${backend} ${tier}: stream with usage`, async () => {
        const client = new Client({ baseURL: gw.baseURL, apiKey: account.apiKey, maxRetries: 0 });
        let text = '';
        let usage;
        const cost = await account.charged(async () => {
          const stream = await client.chat.completions.create({
            model, messages: [{ role: 'user', content: 'hello stream' }], stream: true, stream_options: { include_usage: true },
          });
          for await (const chunk of stream) {
            text += chunk.choices[0]?.delta?.content ?? '';
            if (chunk.usage) usage = chunk.usage;
          }
        });
        assert.match(text, /hello stream$/);
        assert.ok(usage.completion_tokens > 0);
        assert.equal(cost, expected(tier, usage.total_tokens));
      });
    }

    test(`${sdk} ${backend}: a 429 is retried after its Retry-After and then charged once`, async () => {
      const client = new Client({ baseURL: gw.baseURL, apiKey: account.apiKey, maxRetries: 2 });
      if (backend === 'mock') {
        // The mock's injected 429 fails every time: the SDK retries it twice, each after the
        // Retry-After second, then surfaces it (three failures: under the circuit breaker's five).
        const started = Date.now();
        const cost = await account.charged(async () => {
          await assert.rejects(
            client.chat.completions.create({ model: models.paid, messages: [{ role: 'user', content: 'mock:fail=429' }] }),
            (e) => {
              assert.equal(e.status, 429);
              assert.equal(e.headers['retry-after'] ?? e.headers.get?.('retry-after'), '1');
              return true;
            });
        });
        assert.ok(Date.now() - started >= 1900, `two retries took ${Date.now() - started} ms, Retry-After is 1 s`);
        assert.equal(cost, 0, 'a refused call costs nothing');
        return;
      }
      const seen = up.requests.length;
      up.failNext(1);
      let r;
      const cost = await account.charged(async () => {
        r = await client.chat.completions.create({ model: models.paid, messages: [{ role: 'user', content: 'retry me' }] });
      });
      assert.match(r.choices[0].message.content, /retry me/);
      const attempts = up.requests.slice(seen);
      assert.equal(attempts.length, 2, 'one 429, one success');
      assert.ok(attempts[1].at - attempts[0].at >= 900, `retried after ${attempts[1].at - attempts[0].at} ms, Retry-After is 1 s`);
      assert.equal(cost, PER_TOKEN * r.usage.total_tokens);
    });
  }

  test(`${sdk}: a placeholder key serves free models`, async () => {
    const client = new Client({ baseURL: gw.baseURL, apiKey: 'unused', maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'up-free', messages: [{ role: 'user', content: 'hi there' }] });
    assert.equal(r.choices[0].message.content, 'Upstream reply: hi there');
  });
}

test('the gateway passes the upstream 429 through with Retry-After and the rate-limit headers', async () => {
  up.failNext(1);
  const r = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'up-free', messages: [{ role: 'user', content: 'x' }] }),
  });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '1');
  assert.equal(r.headers.get('x-ratelimit-remaining-requests'), '0');
  assert.equal((await r.json()).error.code, 'rate_limit_exceeded');
});

for (const [backend, models] of Object.entries(BACKENDS)) {
  test(`openai ${backend}: chat.completions.parse with zodResponseFormat`, async () => {
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: account.apiKey, maxRetries: 0 });
    const Forecast = z.object({
      city: z.string(),
      unit: z.enum(['celsius', 'fahrenheit']),
      days: z.number().int().min(1).max(7),
    });
    let r;
    const cost = await account.charged(async () => {
      r = await client.chat.completions.parse({
        model: models.paid,
        messages: [{ role: 'user', content: 'forecast for Oslo' }],
        response_format: zodResponseFormat(Forecast, 'forecast'),
      });
    });
    const { parsed } = r.choices[0].message;
    assert.equal(typeof parsed.city, 'string');
    assert.equal(parsed.unit, 'celsius');
    assert.ok(parsed.days >= 1 && parsed.days <= 7, JSON.stringify(parsed));
    assert.equal(cost, PER_TOKEN * r.usage.total_tokens);
  });
}

for (const [sdk, Client] of Object.entries(SDKS)) {
  test(`${sdk}: aborting a paced stream mid-way is charged for the prompt and what was delivered`, async () => {
    const client = new Client({ baseURL: gw.baseURL, apiKey: account.apiKey, maxRetries: 0 });
    const messages = [{ role: 'user', content: Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ') }];
    let full;
    const fullCost = await account.charged(async () => {
      full = await client.chat.completions.create({ model: 'mock-paced', messages });
    });
    assert.equal(fullCost, PER_TOKEN * full.usage.total_tokens);
    assert.ok(full.usage.completion_tokens > 20, JSON.stringify(full.usage));

    let received = 0;
    const started = Date.now();
    const cost = await account.charged(async () => {
      const stream = await client.chat.completions.create({ model: 'mock-paced', messages, stream: true });
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) received++;
        if (received === 3) { stream.controller.abort(); break; }
      }
    });
    assert.equal(received, 3);
    assert.ok(Date.now() - started < 100 * full.usage.completion_tokens, 'the abort ended the stream before its end');
    const promptCost = PER_TOKEN * full.usage.prompt_tokens;
    assert.ok(cost >= promptCost + PER_TOKEN * 3, `charged ${cost}, the prompt and 3 chunks cost ${promptCost + PER_TOKEN * 3}`);
    assert.ok(cost < fullCost, `charged ${cost}, the whole answer costs ${fullCost}`);
  });
}

// ---------------------------------------------------------------- Vercel AI SDK

const AI_PROVIDERS = {
  '@ai-sdk/openai .chat()': (key) => createOpenAI({ baseURL: gw.baseURL, apiKey: key }),
  '@ai-sdk/openai-compatible': (key) => createOpenAICompatible({
    name: 'turnpike', baseURL: gw.baseURL, apiKey: key, includeUsage: true, supportsStructuredOutputs: true,
  }),
};
const chatModel = (provider, id) => (provider.chat ? provider.chat(id) : provider(id));
const tokensOf = (usage) => usage.inputTokens + usage.outputTokens;

function weatherTool(calls) {
  return tool({
    description: 'the weather in a city',
    inputSchema: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']) }),
    execute: async ({ city, unit }) => { calls.push({ city, unit }); return `sunny in ${unit}`; },
  });
}

for (const [name, make] of Object.entries(AI_PROVIDERS)) {
  for (const [backend, models] of Object.entries(BACKENDS)) {
    test(`${name} ${backend}: generateObject with a zod schema`, async () => {
      const model = chatModel(make(account.apiKey), models.paid);
      let r;
      const cost = await account.charged(async () => {
        r = await generateObject({
          model, maxRetries: 0, prompt: 'a forecast for Oslo',
          schema: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']), days: z.number().int().min(1).max(7) }),
        });
      });
      assert.equal(typeof r.object.city, 'string');
      assert.equal(r.object.unit, 'celsius');
      assert.ok(r.object.days >= 1 && r.object.days <= 7);
      assert.equal(cost, PER_TOKEN * tokensOf(r.usage));
    });

    test(`${name} ${backend}: tools with execute and stopWhen run to a text answer`, async () => {
      const model = chatModel(make(account.apiKey), models.paid);
      const calls = [];
      let r;
      const cost = await account.charged(async () => {
        r = await generateText({
          model, maxRetries: 0, prompt: 'weather in Oslo',
          tools: { get_weather: weatherTool(calls) }, stopWhen: stepCountIs(5),
        });
      });
      assert.equal(calls.length, 1, 'the tool ran once');
      assert.equal(calls[0].unit, 'celsius');
      assert.equal(r.steps.length, 2);
      assert.equal(r.steps[0].finishReason, 'tool-calls');
      assert.equal(r.finishReason, 'stop');
      assert.match(r.text, /sunny in celsius/);
      assert.equal(cost, PER_TOKEN * tokensOf(r.totalUsage));
    });

    test(`${name} ${backend}: streamText fullStream parts through a tool step`, async () => {
      const model = chatModel(make(account.apiKey), models.paid);
      const calls = [];
      const types = [];
      let text = '';
      let finish;
      const errors = [];
      const cost = await account.charged(async () => {
        const r = streamText({
          model, maxRetries: 0, prompt: 'weather in Oslo', onError: ({ error }) => { errors.push(error); },
          tools: { get_weather: weatherTool(calls) }, stopWhen: stepCountIs(3),
        });
        for await (const part of r.fullStream) {
          types.push(part.type);
          if (part.type === 'text-delta') text += part.text;
          if (part.type === 'finish') finish = part;
        }
      });
      assert.deepEqual(errors.map(String), []);
      for (const t of ['start', 'start-step', 'tool-call', 'tool-result', 'finish-step', 'text-delta', 'finish']) {
        assert.ok(types.includes(t), `${t} in ${types.join(',')}`);
      }
      assert.equal(types.filter((t) => t === 'finish-step').length, 2);
      assert.ok(types.indexOf('tool-result') < types.indexOf('text-delta'));
      assert.match(text, /sunny in celsius/);
      assert.equal(finish.finishReason, 'stop');
      assert.equal(cost, PER_TOKEN * tokensOf(finish.totalUsage));
    });

    for (const tier of TIERS) {
      test(`${name} ${backend} ${tier}: embed`, async () => {
        const provider = make(account.apiKey);
        let r;
        const cost = await account.charged(async () => {
          r = await embed({ model: provider.embeddingModel(models[tier]), value: 'alpha', maxRetries: 0 });
        });
        assert.equal(r.embedding.length, models.embedDims);
        assert.ok(Math.abs(Math.hypot(...r.embedding) - 1) < 1e-5);
        assert.ok(r.usage.tokens > 0);
        assert.equal(cost, expected(tier, r.usage.tokens));
      });
    }
  }
}

// ---------------------------------------------------------------- LangChain JS

for (const [backend, models] of Object.entries(BACKENDS)) {
  const chat = () => new ChatOpenAI({
    model: models.paid, apiKey: account.apiKey, configuration: { baseURL: gw.baseURL }, maxRetries: 0,
  });
  const langchainTokens = (m) => m.usage_metadata.input_tokens + m.usage_metadata.output_tokens;

  test(`LangChain ${backend}: stream, usage in the last chunk`, async () => {
    let text = '';
    let usage;
    const cost = await account.charged(async () => {
      for await (const chunk of await chat().stream('hello chain')) {
        text += chunk.content;
        usage ??= chunk.usage_metadata;
      }
    });
    assert.match(text, /hello chain$/);
    assert.ok(usage.output_tokens > 0, JSON.stringify(usage));
    assert.equal(cost, PER_TOKEN * (usage.input_tokens + usage.output_tokens));
  });

  test(`LangChain ${backend}: bindTools round trip`, async () => {
    const model = chat().bindTools([{ type: 'function', function: { name: 'get_weather', description: 'weather', parameters: weatherParameters } }]);
    const human = new HumanMessage('weather in Oslo');
    let tokens = 0;
    let answer;
    const cost = await account.charged(async () => {
      const ai = await model.invoke([human]);
      tokens += langchainTokens(ai);
      assert.equal(ai.tool_calls.length, 1);
      assert.equal(ai.tool_calls[0].name, 'get_weather');
      assert.equal(ai.tool_calls[0].args.unit, 'celsius');
      answer = await model.invoke([human, ai, new ToolMessage({ tool_call_id: ai.tool_calls[0].id, content: 'sunny' })]);
      tokens += langchainTokens(answer);
    });
    assert.equal(answer.tool_calls.length, 0);
    assert.match(answer.content, /sunny/);
    assert.equal(cost, PER_TOKEN * tokens);
  });

  for (const method of ['jsonSchema', 'functionCalling']) {
    test(`LangChain ${backend}: withStructuredOutput method ${method}`, async () => {
      const schema = z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']) });
      const model = chat().withStructuredOutput(schema, { name: 'forecast', method, includeRaw: true });
      let r;
      const cost = await account.charged(async () => { r = await model.invoke('a forecast for Oslo'); });
      assert.equal(typeof r.parsed.city, 'string');
      assert.equal(r.parsed.unit, 'celsius');
      if (method === 'functionCalling') assert.equal(r.raw.tool_calls[0].name, 'forecast');
      assert.equal(cost, PER_TOKEN * langchainTokens(r.raw));
    });
  }
}
