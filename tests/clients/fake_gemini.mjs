// A small Gemini REST upstream (generativelanguage v1beta) on a free loopback port, for Turnpike's
// gemini plugin: generateContent, streamGenerateContent (?alt=sse frames, or a JSON array without
// it), countTokens, batchEmbedContents and a paged GET /models. It answers a functionCall when
// tools are offered and no functionResponse is in the conversation yet, then text quoting the
// functionResponse; gemini-3* models sign their function calls and refuse a turn that does not
// bring the signature back. Like the real API it answers 400 INVALID_ARGUMENT to schema keywords
// it does not know ($schema, additionalProperties, const, type arrays) and 429
// RESOURCE_EXHAUSTED on request (failNext). Every request is recorded.
import { createServer } from 'node:http';
import { geminiSchema, valueOf } from './schema_value.mjs';

const tokens = (s) => Math.max(1, Math.ceil(s.length / 4));
const SKIP_SIGNATURE = 'skip_thought_signature_validator';

function geminiError(res, code, status, message) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message, status } }));
}

// The first schema keyword Gemini would refuse, as a path, or null.
function refusedKeyword(schema, path) {
  if (Array.isArray(schema)) {
    for (let i = 0; i < schema.length; i++) {
      const found = refusedKeyword(schema[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (!schema || typeof schema !== 'object') return null;
  for (const key of ['$schema', 'additionalProperties', 'const', '$ref', '$defs']) {
    if (key in schema) return `${path}.${key}`;
  }
  if (Array.isArray(schema.type)) return `${path}.type`;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, sub] of Object.entries(value)) {
        const found = refusedKeyword(sub, `${path}.properties[${name}]`);
        if (found) return found;
      }
    } else if (key === 'items' || key === 'anyOf') {
      const found = refusedKeyword(value, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

function schemaProblem(body) {
  for (const [i, tool] of (body.tools ?? []).entries()) {
    for (const [j, decl] of (tool.functionDeclarations ?? []).entries()) {
      const found = refusedKeyword(decl.parameters, `tools[${i}].function_declarations[${j}].parameters`);
      if (found) return found;
    }
  }
  return refusedKeyword(body.generationConfig?.responseSchema, 'generation_config.response_schema');
}

const textOf = (content) => (content?.parts ?? []).map((p) => p.text ?? '').join(' ').trim();

// What the model says to `body`: { parts, finishReason }.
function answer(body, model, signatures) {
  const contents = body.contents ?? [];
  const responses = contents.flatMap((c) => (c.parts ?? []).filter((p) => p.functionResponse));
  const lastUser = [...contents].reverse().find((c) => c.role === 'user' && textOf(c));
  const text = textOf(lastUser) || 'nothing';
  const parts = [];
  if (body.generationConfig?.thinkingConfig?.includeThoughts) {
    parts.push({ text: `Thinking about ${text}.`, thought: true });
  }
  if (responses.length) {
    const quoted = responses.map((p) => `${p.functionResponse.name} returned ${JSON.stringify(p.functionResponse.response)}`);
    parts.push({ text: `Gemini saw ${quoted.join('; ')}` });
    return { parts, finishReason: 'STOP' };
  }
  const declarations = (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? []);
  const config = body.toolConfig?.functionCallingConfig;
  if (declarations.length && config?.mode !== 'NONE') {
    const allowed = config?.allowedFunctionNames?.[0];
    const decl = declarations.find((d) => d.name === allowed) ?? declarations[0];
    const part = { functionCall: { name: decl.name, args: valueOf(decl.parameters, text, geminiSchema) } };
    if (model.startsWith('gemini-3')) {
      // Bytes that base64 into '+' and '/': the signature is not id-safe as sent.
      const signature = Buffer.concat([Buffer.from(`sig:${decl.name}:${signatures.size}:`), Buffer.from([0xfb, 0xff, 0xbf])]).toString('base64');
      signatures.add(signature);
      part.thoughtSignature = signature;
    }
    parts.push(part);
    return { parts, finishReason: 'STOP' };
  }
  if (body.generationConfig?.responseMimeType === 'application/json') {
    const schema = body.generationConfig.responseSchema;
    parts.push({ text: JSON.stringify(schema ? valueOf(schema, text, geminiSchema) : { reply: text }) });
    return { parts, finishReason: 'STOP' };
  }
  parts.push({ text: `Gemini reply: ${text}` });
  return { parts, finishReason: 'STOP' };
}

// Gemini 3 refuses model turns whose first function call lacks a signature it issued.
function signatureProblem(body, model, signatures) {
  if (!model.startsWith('gemini-3')) return null;
  for (const [i, content] of (body.contents ?? []).entries()) {
    if (content.role !== 'model') continue;
    const first = (content.parts ?? []).find((p) => p.functionCall);
    if (!first) continue;
    const sig = first.thoughtSignature;
    if (sig !== SKIP_SIGNATURE && !signatures.has(sig)) {
      return `Function call is missing a thought_signature in functionCall parts. contents[${i}]`;
    }
  }
  return null;
}

function usageOf(body, a) {
  const cached = 4;  // part of promptTokenCount, as Gemini counts it
  const prompt = tokens(JSON.stringify(body.contents ?? [])) + cached;
  const candidates = tokens(JSON.stringify(a.parts.filter((p) => !p.thought)));
  const thoughts = a.parts.some((p) => p.thought) ? 12 : 0;
  return {
    promptTokenCount: prompt, cachedContentTokenCount: cached, candidatesTokenCount: candidates,
    thoughtsTokenCount: thoughts, totalTokenCount: prompt + candidates + thoughts,
  };
}

function generate(body, model, stream, sse, res, signatures) {
  const a = answer(body, model, signatures);
  const usage = usageOf(body, a);
  const base = { modelVersion: model, responseId: 'resp-fake-1' };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      candidates: [{ content: { role: 'model', parts: a.parts }, finishReason: a.finishReason, index: 0 }],
      usageMetadata: usage, ...base,
    }));
    return;
  }
  // Several frames: thoughts, then text word by word, function calls whole; the finish reason
  // (STOP even after calls) comes in a frame of its own with the final usage.
  const frames = [];
  for (const part of a.parts) {
    if (part.text !== undefined && !part.thought) {
      for (const word of part.text.split(/(?<= )/)) frames.push([{ text: word }]);
    } else {
      frames.push([part]);
    }
  }
  const partial = { promptTokenCount: usage.promptTokenCount, totalTokenCount: usage.promptTokenCount };
  const payloads = frames.map((parts) => ({ candidates: [{ content: { role: 'model', parts }, index: 0 }], usageMetadata: partial, ...base }));
  payloads.push({ candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: a.finishReason, index: 0 }], usageMetadata: usage, ...base });
  if (!sse) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payloads));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const p of payloads) res.write(`data: ${JSON.stringify(p)}\r\n\r\n`);
  res.end();
}

function embed(body, res) {
  const embeddings = (body.requests ?? []).map((r) => {
    const text = textOf(r.content);
    const n = r.outputDimensionality ?? 4;
    const v = Array.from({ length: n }, (_, i) => Math.sin(text.length + i));
    const norm = Math.hypot(...v);
    return { values: v.map((x) => x / norm) };
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ embeddings }));
}

function listModels(url, models, res) {
  const all = [
    ...models.map((id) => ({
      name: `models/${id}`, displayName: id, inputTokenLimit: 1048576, outputTokenLimit: 65536,
      supportedGenerationMethods: ['generateContent', 'countTokens'],
    })),
    { name: 'models/text-embedding-004', displayName: 'Embedding', inputTokenLimit: 2048, outputTokenLimit: 1, supportedGenerationMethods: ['embedContent'] },
  ];
  const half = Math.ceil(all.length / 2);
  const second = url.searchParams.get('pageToken') === 'page-2';
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(second ? { models: all.slice(half) } : { models: all.slice(0, half), nextPageToken: 'page-2' }));
}

// Resolves to { baseURL, requests, failNext(n), stop() }. baseURL ends in /v1beta (the plugin's
// base_url); `requests` holds { at, method, path, query, headers, body } per request; failNext(n)
// answers the next n generate/count calls with 429 RESOURCE_EXHAUSTED. With `apiKey`, requests
// must send it as x-goog-api-key (400 API_KEY_INVALID otherwise, and for ?key= in the URL).
export async function startFakeGemini({ models = ['gemini-2.5-flash', 'gemini-3-pro-preview'], apiKey } = {}) {
  const requests = [];
  const signatures = new Set();
  let failures = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://fake');
      let body = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        geminiError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
        return;
      }
      requests.push({ at: Date.now(), method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
      if (url.searchParams.has('key') || (apiKey && req.headers['x-goog-api-key'] !== apiKey)) {
        geminiError(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
        return;
      }
      if (req.method === 'GET' && url.pathname === '/v1beta/models') { listModels(url, models, res); return; }
      const m = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens|batchEmbedContents)$/.exec(url.pathname);
      if (req.method !== 'POST' || !m) {
        geminiError(res, 404, 'NOT_FOUND', `no route ${req.method} ${url.pathname}`);
        return;
      }
      const [, model, method] = m;
      if (method === 'batchEmbedContents') { embed(body, res); return; }
      if (failures > 0) {
        failures--;
        geminiError(res, 429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).');
        return;
      }
      if (method === 'countTokens') {
        const inner = body.generateContentRequest;
        if (!inner || inner.model !== `models/${model}`) {
          geminiError(res, 400, 'INVALID_ARGUMENT', 'generateContentRequest.model must be models/<model>');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ totalTokens: tokens(JSON.stringify([inner.contents, inner.systemInstruction ?? null, inner.tools ?? null])) }));
        return;
      }
      const problem = schemaProblem(body);
      if (problem) {
        geminiError(res, 400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name at '${problem}': Cannot find field.`);
        return;
      }
      if (!Array.isArray(body.contents) || body.contents.length === 0) {
        geminiError(res, 400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified');
        return;
      }
      const unsigned = signatureProblem(body, model, signatures);
      if (unsigned) {
        geminiError(res, 400, 'INVALID_ARGUMENT', unsigned);
        return;
      }
      generate(body, model, method === 'streamGenerateContent', url.searchParams.get('alt') === 'sse', res, signatures);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseURL: `http://127.0.0.1:${server.address().port}/v1beta`,
    requests,
    failNext: (n) => { failures = n; },
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
