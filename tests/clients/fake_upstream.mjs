// A small OpenAI-compatible upstream on a free loopback port, for Turnpike's openai_compat plugin:
// chat (text, tool calls from each tool's schema, an answer once a tool result is in, json_schema
// output), streams with a final usage chunk, embeddings, and 429s with Retry-After on request.
import { createServer } from 'node:http';
import { valueOf } from './schema_value.mjs';

const tokens = (s) => Math.max(1, Math.ceil(s.length / 4));

function answer(body) {
  const last = body.messages.at(-1);
  const userText = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const text = typeof userText === 'string' ? userText : userText.map((p) => p.text ?? '').join(' ');
  if (last.role === 'tool') return { content: `Upstream saw ${last.content}`, finish: 'stop' };
  if (body.tools?.length && body.tool_choice !== 'none') {
    const forced = body.tool_choice?.function?.name;
    const tool = body.tools.find((t) => t.function.name === forced) ?? body.tools[0];
    return {
      toolCalls: [{
        id: 'call_up_1', type: 'function',
        function: { name: tool.function.name, arguments: JSON.stringify(valueOf(tool.function.parameters ?? {}, text)) },
      }],
      finish: 'tool_calls',
    };
  }
  if (body.response_format?.type === 'json_schema') {
    return { content: JSON.stringify(valueOf(body.response_format.json_schema.schema, text)), finish: 'stop' };
  }
  return { content: `Upstream reply: ${text}`, finish: 'stop' };
}

function chat(body, res) {
  const a = answer(body);
  const promptTokens = tokens(JSON.stringify(body.messages));
  const completion = a.content ?? a.toolCalls[0].function.arguments;
  const usage = { prompt_tokens: promptTokens, completion_tokens: tokens(completion), total_tokens: promptTokens + tokens(completion) };
  const base = { id: 'chatcmpl-up', created: 1700000000, model: body.model };
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      ...base, object: 'chat.completion', usage,
      choices: [{ index: 0, finish_reason: a.finish, message: { role: 'assistant', content: a.content ?? null, tool_calls: a.toolCalls } }],
    }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (delta, finish = null) => res.write(`data: ${JSON.stringify({
    ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`);
  send({ role: 'assistant', content: '' });
  if (a.toolCalls) {
    const [c] = a.toolCalls;
    send({ tool_calls: [{ index: 0, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] });
    send({ tool_calls: [{ index: 0, function: { arguments: c.function.arguments } }] });
  } else {
    for (const word of a.content.split(/(?<= )/)) send({ content: word });
  }
  send({}, a.finish);
  if (body.stream_options?.include_usage) {
    res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

function embeddings(body, res) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const data = inputs.map((text, index) => {
    const v = Array.from({ length: 4 }, (_, i) => Math.sin(text.length + i));
    const norm = Math.hypot(...v);
    return { object: 'embedding', index, embedding: v.map((x) => x / norm) };
  });
  const promptTokens = inputs.reduce((n, t) => n + tokens(t), 0);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ object: 'list', model: body.model, data, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }));
}

// Resolves to { baseURL, requests, failNext(n), stop() }. `requests` records each chat call's
// arrival time; failNext(n) answers the next n chats with 429 and Retry-After: 1.
export async function startFakeUpstream(models = ['up-model']) {
  const requests = [];
  let failures = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'fake' })) }));
        return;
      }
      const body = raw ? JSON.parse(raw) : {};
      if (req.method === 'POST' && req.url === '/v1/chat/completions') {
        requests.push({ at: Date.now(), body });
        if (failures > 0) {
          failures--;
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1', 'x-ratelimit-remaining-requests': '0' });
          res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded', param: null } }));
          return;
        }
        chat(body, res);
        return;
      }
      if (req.method === 'POST' && req.url === '/v1/embeddings') { embeddings(body, res); return; }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.url}`, type: 'invalid_request_error', code: null, param: null } }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseURL: `http://127.0.0.1:${server.address().port}/v1`,
    requests,
    failNext: (n) => { failures = n; },
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
