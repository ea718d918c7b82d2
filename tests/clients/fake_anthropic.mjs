// A fake Anthropic Messages upstream on a free loopback port, for Turnpike's anthropic plugin and
// the dialect translators. It answers as api.anthropic.com does wherever a client would notice:
// x-api-key and anthropic-version are required, requests are validated with Anthropic's error
// shape and wording (unknown members, empty text blocks, tool_use without its tool_result right
// after, thinking blocks with forged signatures ...), usage counts the prompt cache apart from
// input_tokens, and streams use named events in the documented order, with a ping.
//
// Replies are deterministic, from the last user message:
//   - tool_result blocks in it: a text answer quoting each result;
//   - tools offered (tool_choice not none): a short text, then a tool_use block per tool called,
//     two when the prompt says "two" or "both" (one with disable_parallel_tool_use), the input
//     built from each tool's input_schema, streamed as input_json_delta pieces;
//   - otherwise "Fake Claude reply: <prompt>".
//   thinking {type: enabled|adaptive} adds a thinking block first, with a signature this server
//   checks when the block comes back. stop_sequences cut the text (stop_reason stop_sequence);
//   max_tokens cuts it too (stop_reason max_tokens).
// Magic prompts (anywhere in the last user message's text):
//   fake:429           429 rate_limit_error with retry-after: 1 and anthropic-ratelimit-* headers
//   fake:529           529 overloaded_error
//   fake:500           500 api_error
//   fake:stream-error  streams: message_start, part of a text block, then `event: error`
//                      (overloaded_error); not streamed: as fake:529
//   fake:refusal       stop_reason refusal after a short text
// Prompt caching: everything up to the last cache_control breakpoint (tools, then system, then
// messages; a top-level cache_control caches the whole prompt) is written to the cache on first
// sight (cache_creation_input_tokens) and read on the next (cache_read_input_tokens); the
// input_tokens are the rest, so the three add up to what count_tokens answers.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { valueOf } from './schema_value.mjs';

export const API_KEY = 'sk-ant-fake-key';
export const DEFAULT_MODELS = ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'];

// 2023-06-01: Claude Code and older SDKs; 2026-10-21: what @anthropic-ai/sdk 1.x sends.
const VERSIONS = new Set(['2023-01-01', '2023-06-01', '2026-10-21']);
const MESSAGE_KEYS = new Set(['model', 'messages', 'max_tokens', 'system', 'stop_sequences', 'stream', 'metadata',
  'tools', 'tool_choice', 'thinking', 'temperature', 'top_p', 'top_k', 'output_config', 'output_format',
  'cache_control', 'context_management', 'container', 'mcp_servers', 'service_tier', 'inference_geo']);
const COUNT_KEYS = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'output_config',
  'output_format', 'cache_control', 'context_management', 'mcp_servers']);
const BLOCK_TYPES = ['text', 'image', 'document', 'search_result', 'tool_use', 'tool_result', 'thinking',
  'redacted_thinking', 'server_tool_use', 'web_search_tool_result', 'container_upload'];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

class ApiError extends Error {
  constructor(status, type, message, headers = {}) {
    super(message);
    Object.assign(this, { status, type, headers });
  }
}
const invalid = (message) => new ApiError(400, 'invalid_request_error', message);

const tokens = (text) => (text.length === 0 ? 0 : Math.ceil(text.length / 4));
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
// What a thinking block's signature is here: only this server makes ones it accepts.
const signature = (thinking) => Buffer.from(`fake-signature:${sha256(thinking)}`).toString('base64');

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const blocksOf = (content) => (typeof content === 'string' ? [{ type: 'text', text: content }] : content);

function checkKeys(body, allowed) {
  for (const key of Object.keys(body)) if (!allowed.has(key)) throw invalid(`${key}: Extra inputs are not permitted`);
}

function checkBlocks(blocks, where, role) {
  blocks.forEach((block, j) => {
    const at = `${where}.content.${j}`;
    if (!isObject(block) || typeof block.type !== 'string') throw invalid(`${at}.type: Field required`);
    if (!BLOCK_TYPES.includes(block.type)) {
      throw invalid(`${at}: Input tag '${block.type}' found using 'type' does not match any of the expected tags: ${BLOCK_TYPES.map((t) => `'${t}'`).join(', ')}`);
    }
    if (block.type === 'text') {
      if (typeof block.text !== 'string') throw invalid(`${at}.text: Field required`);
      if (block.text.length === 0) throw invalid(`${where.split('.')[0]}: text content blocks must be non-empty`);
    }
    if (block.type === 'tool_use') {
      if (role !== 'assistant') throw invalid(`${at}: tool_use blocks may only appear in assistant messages`);
      if (typeof block.id !== 'string' || typeof block.name !== 'string') throw invalid(`${at}.id: Field required`);
      if (!isObject(block.input)) throw invalid(`${at}.input: Input should be a valid dictionary`);
    }
    if (block.type === 'tool_result') {
      if (role !== 'user') throw invalid(`${at}: tool_result blocks may only appear in user messages`);
      if (typeof block.tool_use_id !== 'string') throw invalid(`${at}.tool_use_id: Field required`);
    }
    if (block.type === 'thinking') {
      if (typeof block.thinking !== 'string' || typeof block.signature !== 'string') throw invalid(`${at}.signature: Field required`);
      if (block.signature !== signature(block.thinking)) throw invalid(`${at}: Invalid \`signature\` in \`thinking\` block`);
    }
  });
}

// Throws what Anthropic answers for a request it refuses. `counting`: count_tokens, which takes
// no max_tokens.
function validate(body, models, counting) {
  if (!isObject(body)) throw invalid('Request body must be a JSON object');
  checkKeys(body, counting ? COUNT_KEYS : MESSAGE_KEYS);
  if (body.model === undefined) throw invalid('model: Field required');
  if (typeof body.model !== 'string') throw invalid('model: Input should be a valid string');
  if (!models.includes(body.model)) throw new ApiError(404, 'not_found_error', `model: ${body.model}`);
  if (!counting) {
    if (body.max_tokens === undefined) throw invalid('max_tokens: Field required');
    if (!Number.isInteger(body.max_tokens)) throw invalid('max_tokens: Input should be a valid integer');
    if (body.max_tokens < 1) throw invalid('max_tokens: Input should be greater than or equal to 1');
  }
  if (body.messages === undefined) throw invalid('messages: Field required');
  if (!Array.isArray(body.messages)) throw invalid('messages: Input should be a valid list');
  if (body.messages.length === 0) throw invalid('messages: at least one message is required');
  if (body.temperature !== undefined && (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 1)) {
    throw invalid('temperature: Input should be less than or equal to 1');
  }
  if (body.stop_sequences !== undefined && (!Array.isArray(body.stop_sequences) || body.stop_sequences.some((s) => typeof s !== 'string'))) {
    throw invalid('stop_sequences: Input should be a valid list of strings');
  }
  if (body.system !== undefined) {
    if (Array.isArray(body.system)) {
      body.system.forEach((b, i) => {
        if (!isObject(b) || b.type !== 'text' || typeof b.text !== 'string') throw invalid(`system.${i}.type: Input should be 'text'`);
        if (b.text.length === 0) throw invalid('system: text content blocks must be non-empty');
      });
    } else if (typeof body.system !== 'string') {
      throw invalid('system: Input should be a valid string');
    }
  }
  (body.tools ?? []).forEach((tool, i) => {
    if (!isObject(tool)) throw invalid(`tools.${i}: Input should be a valid dictionary`);
    if (tool.type !== undefined && tool.type !== 'custom') return;  // server tools (web_search ...)
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
      throw invalid(`tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
    }
    if (!isObject(tool.input_schema)) throw invalid(`tools.${i}.custom.input_schema: Field required`);
    if (tool.input_schema.type !== 'object') throw invalid(`tools.${i}.custom.input_schema.type: Input should be 'object'`);
  });
  const choice = body.tool_choice;
  if (choice !== undefined) {
    if (!isObject(choice) || !['auto', 'any', 'tool', 'none'].includes(choice.type)) {
      throw invalid("tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'");
    }
    if (choice.type === 'tool' && !(body.tools ?? []).some((t) => t.name === choice.name)) {
      throw invalid(`tool_choice.tool.name: tool '${choice.name}' was not found in tools`);
    }
  }
  const thinking = body.thinking;
  if (thinking !== undefined) {
    if (!isObject(thinking) || !['enabled', 'adaptive', 'disabled'].includes(thinking.type)) {
      throw invalid("thinking: Input tag found using 'type' does not match any of the expected tags: 'enabled', 'adaptive', 'disabled'");
    }
    if (thinking.type === 'enabled') {
      if (!Number.isInteger(thinking.budget_tokens)) throw invalid('thinking.enabled.budget_tokens: Field required');
      if (thinking.budget_tokens < 1024) throw invalid('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
      if (!counting && body.max_tokens <= thinking.budget_tokens) {
        throw invalid('`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size');
      }
    }
  }

  body.messages.forEach((m, i) => {
    const where = `messages.${i}`;
    if (!isObject(m)) throw invalid(`${where}: Input should be a valid dictionary`);
    if (m.role !== 'user' && m.role !== 'assistant') throw invalid(`${where}.role: Input should be 'user' or 'assistant'`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) throw invalid(`${where}.content: Input should be a valid list`);
    const last = i === body.messages.length - 1;
    if ((m.content.length === 0) && !(last && m.role === 'assistant')) {
      throw invalid(`${where}: all messages must have non-empty content except for the optional final assistant message`);
    }
    if (Array.isArray(m.content)) checkBlocks(m.content, where, m.role);
  });

  // Each tool_use is answered by a tool_result in the very next message, and each tool_result
  // answers a tool_use of the message just before.
  body.messages.forEach((m, i) => {
    const uses = m.role === 'assistant' ? blocksOf(m.content).filter((b) => b.type === 'tool_use').map((b) => b.id) : [];
    const next = body.messages[i + 1];
    const results = next && next.role === 'user' ? blocksOf(next.content).filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id) : [];
    if (next) {
      const missing = uses.filter((id) => !results.includes(id));
      if (missing.length) {
        throw invalid(`messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`);
      }
    }
    if (m.role === 'user') {
      const previous = body.messages[i - 1];
      const known = previous && previous.role === 'assistant'
        ? blocksOf(previous.content).filter((b) => b.type === 'tool_use').map((b) => b.id) : [];
      const blocks = blocksOf(m.content);
      blocks.forEach((b, j) => {
        if (b.type === 'tool_result' && !known.includes(b.tool_use_id)) {
          throw invalid(`messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
        }
      });
      const seen = new Set();
      for (const b of blocks) {
        if (b.type !== 'tool_result') continue;
        if (seen.has(b.tool_use_id)) throw invalid(`messages.${i}: each tool_use_id must be unique; found ${b.tool_use_id} twice`);
        seen.add(b.tool_use_id);
      }
    }
  });

  // With thinking on, the assistant turn that called the tools now answered keeps its thinking.
  if (thinking && thinking.type !== 'disabled') {
    const lastMessage = body.messages.at(-1);
    const i = body.messages.length - 2;
    const assistant = body.messages[i];
    const answersTools = lastMessage.role === 'user' && blocksOf(lastMessage.content).some((b) => b.type === 'tool_result');
    if (answersTools && assistant?.role === 'assistant') {
      const first = blocksOf(assistant.content)[0] ?? { type: 'nothing' };
      if (first.type !== 'thinking' && first.type !== 'redacted_thinking') {
        throw invalid(`messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`);
      }
    }
  }
}

// The prompt in order (tools, system, messages), one segment per tool or block, each with its
// tokens and whether a cache breakpoint closes it.
function segments(body) {
  const out = [];
  const add = (value, breakpoint) => out.push({ text: JSON.stringify(value), breakpoint: breakpoint ?? null });
  for (const tool of body.tools ?? []) add(tool, tool.cache_control);
  if (typeof body.system === 'string') add(body.system);
  for (const b of Array.isArray(body.system) ? body.system : []) add(b.text, b.cache_control);
  for (const m of body.messages) {
    if (typeof m.content === 'string') add(m.content);
    else for (const b of m.content) add(b, b.cache_control);
  }
  if (body.cache_control && out.length) out.at(-1).breakpoint = body.cache_control;
  return out;
}

const promptTokens = (body) => segments(body).reduce((n, s) => n + tokens(s.text), 0) + 3;

function textOf(message) {
  if (!message) return '';
  return blocksOf(message.content).filter((b) => b.type === 'text').map((b) => b.text).join(' ');
}

function resultText(block) {
  const content = block.content ?? '';
  const text = typeof content === 'string' ? content : content.filter((b) => b.type === 'text').map((b) => b.text).join(' ');
  return block.is_error ? `error ${text}` : text;
}

// The blocks of the reply, before stop sequences and max_tokens cut it.
function plan(body, prompt, nextToolId) {
  const last = body.messages.at(-1);
  const blocks = [];
  if (body.thinking && body.thinking.type !== 'disabled') {
    blocks.push({ type: 'thinking', thinking: `The user wrote: ${prompt.slice(0, 80)}. Thinking it over.` });
  }
  const results = last.role === 'user' ? blocksOf(last.content).filter((b) => b.type === 'tool_result') : [];
  if (results.length) {
    blocks.push({ type: 'text', text: results.map((r) => `Tool ${r.tool_use_id} said: ${resultText(r)}`).join('; ') });
    return { blocks, stop: 'end_turn' };
  }
  if (prompt.includes('fake:refusal')) {
    blocks.push({ type: 'text', text: 'I cannot help with that.' });
    return { blocks, stop: 'refusal' };
  }
  const tools = (body.tools ?? []).filter((t) => t.type === undefined || t.type === 'custom');
  const choice = body.tool_choice ?? { type: 'auto' };
  if (tools.length && choice.type !== 'none') {
    const forced = choice.type === 'tool' ? tools.filter((t) => t.name === choice.name) : tools;
    const wantsTwo = /\b(two|both)\b/i.test(prompt) && !choice.disable_parallel_tool_use;
    const picked = wantsTwo ? [forced[0], forced[1] ?? forced[0]] : [forced[0]];
    blocks.push({ type: 'text', text: `I'll call ${picked.map((t) => t.name).join(' and ')}.` });
    for (const tool of picked) {
      blocks.push({ type: 'tool_use', id: nextToolId(), name: tool.name, input: valueOf(tool.input_schema, prompt.slice(0, 40)) });
    }
    return { blocks, stop: 'tool_use' };
  }
  blocks.push({ type: 'text', text: `Fake Claude reply: ${prompt}` });
  return { blocks, stop: 'end_turn' };
}

const blockTokens = (b) => tokens(b.type === 'tool_use' ? JSON.stringify(b.input) : b.text ?? b.thinking);

// Applies stop_sequences and max_tokens to the planned reply.
function cut(reply, body) {
  const out = [];
  let used = 0;
  for (const block of reply.blocks) {
    if (block.type === 'text') {
      let hit = null;
      for (const seq of body.stop_sequences ?? []) {
        const at = seq ? block.text.indexOf(seq) : -1;
        if (at >= 0 && (!hit || at < hit.at)) hit = { at, seq };
      }
      if (hit) {
        if (hit.at > 0) out.push({ ...block, text: block.text.slice(0, hit.at) });
        return { blocks: out, stop: 'stop_sequence', stopSequence: hit.seq, outputTokens: used + tokens(block.text.slice(0, hit.at)) };
      }
    }
    const cost = blockTokens(block);
    if (used + cost > body.max_tokens) {
      const room = body.max_tokens - used;
      if (block.type === 'text' && room > 0) out.push({ ...block, text: block.text.slice(0, room * 4) });
      if (block.type === 'thinking' && room > 0) out.push({ ...block, thinking: block.thinking.slice(0, room * 4) });
      return { blocks: out, stop: 'max_tokens', stopSequence: null, outputTokens: body.max_tokens };
    }
    used += cost;
    out.push(block);
  }
  return { blocks: out, stop: reply.stop, stopSequence: null, outputTokens: Math.max(1, used) };
}

// Splits `text` into at most `n` non-empty pieces, in order.
function pieces(text, n) {
  const size = Math.max(1, Math.ceil(text.length / n));
  return Array.from({ length: n }, (_, i) => text.slice(i * size, (i + 1) * size)).filter((p) => p.length);
}

function words(text) {
  return text.split(/(?<= )/).filter((w) => w.length);
}

const finished = (b) => (b.type === 'thinking' ? { ...b, signature: signature(b.thinking) } : b);

// The events of a streamed reply, as [event name, data] pairs.
function streamEvents(message, reply) {
  const events = [['message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, stop_sequence: null, stop_details: null, usage: { ...message.usage, output_tokens: 1 } } }]];
  reply.blocks.forEach((block, index) => {
    const start = block.type === 'text' ? { type: 'text', text: '' }
      : block.type === 'thinking' ? { type: 'thinking', thinking: '', signature: '' }
        : { type: 'tool_use', id: block.id, name: block.name, input: {} };
    events.push(['content_block_start', { type: 'content_block_start', index, content_block: start }]);
    if (index === 0) events.push(['ping', { type: 'ping' }]);
    const delta = (d) => events.push(['content_block_delta', { type: 'content_block_delta', index, delta: d }]);
    if (block.type === 'text') for (const w of words(block.text)) delta({ type: 'text_delta', text: w });
    if (block.type === 'thinking') {
      for (const p of pieces(block.thinking, 2)) delta({ type: 'thinking_delta', thinking: p });
      delta({ type: 'signature_delta', signature: signature(block.thinking) });
    }
    if (block.type === 'tool_use') {
      // As the API does: an empty first piece, then the JSON text in arbitrary cuts.
      delta({ type: 'input_json_delta', partial_json: '' });
      for (const p of pieces(JSON.stringify(block.input), 3)) delta({ type: 'input_json_delta', partial_json: p });
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push(['message_delta', { type: 'message_delta', delta: { container: null, stop_details: message.stop_details, stop_reason: reply.stop, stop_sequence: reply.stopSequence }, usage: { output_tokens: reply.outputTokens } }]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events;
}

// claude-sonnet-4-5 -> Claude Sonnet 4.5
const displayName = (id) => id.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ').replace(/(\d) (?=\d)/g, '$1.');

const errorBody = (type, message, requestId) => JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });

function magicError(prompt) {
  if (prompt.includes('fake:429')) {
    return new ApiError(429, 'rate_limit_error', 'This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.', {
      'retry-after': '1',
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': new Date(Date.now() + 1000).toISOString(),
    });
  }
  if (prompt.includes('fake:529')) return new ApiError(529, 'overloaded_error', 'Overloaded');
  if (prompt.includes('fake:500')) return new ApiError(500, 'api_error', 'Internal server error');
  return null;
}

const failureFor = (status) => (status === 429 ? magicError('fake:429') : status === 500 ? magicError('fake:500') : magicError('fake:529'));

// Resolves to { baseURL (the API root, without /v1, as ANTHROPIC_BASE_URL), apiKey, requests,
// failNext(n, status = 429), stop() }. `requests` holds every request: { method, url, path,
// headers (lower-case names), rawBody (Buffer, the bytes as received), body (parsed or null) }.
// Options: models (ids), apiKey, paceMs (pause between stream events).
export async function startFakeAnthropic({ models = DEFAULT_MODELS, apiKey = API_KEY, paceMs = 0 } = {}) {
  const requests = [];
  const cache = new Set();
  let failures = { n: 0, status: 429 };
  let counter = 0;
  const nextId = (prefix) => `${prefix}${String(++counter).padStart(24, '0')}`;

  const reply = async (req, res, record) => {
    const { rawBody } = record;
    const requestId = nextId('req_fake_');
    const path = req.url.split('?')[0];
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const sendJson = (status, value, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
      res.end(typeof value === 'string' ? value : JSON.stringify(value));
    };
    try {
      // Authentication comes first, then the version, as the API checks them.
      const key = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
      if (!key) throw new ApiError(401, 'authentication_error', 'x-api-key header is required');
      if (key !== apiKey) throw new ApiError(401, 'authentication_error', 'invalid x-api-key');
      const version = req.headers['anthropic-version'];
      if (!version) throw invalid('anthropic-version: header is required');
      if (!VERSIONS.has(version)) throw invalid(`anthropic-version: invalid version "${version}"`);

      if (req.method === 'GET' && path === '/v1/models') {
        const limit = query.has('limit') ? Number(query.get('limit')) : 20;
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit: Input should be less than or equal to 1000');
        let from = 0;
        let to = models.length;
        if (query.has('after_id')) from = models.indexOf(query.get('after_id')) + 1;
        if (query.has('before_id')) to = Math.max(0, models.indexOf(query.get('before_id')));
        const page = query.has('before_id') && !query.has('after_id') ? models.slice(Math.max(0, to - limit), to) : models.slice(from, Math.min(to, from + limit));
        const end = models.indexOf(page.at(-1) ?? '') + 1;
        sendJson(200, {
          data: page.map((id, i) => ({
            type: 'model', id, display_name: displayName(id),
            created_at: new Date(Date.UTC(2025, 0, 1 + i)).toISOString().replace('.000', ''), max_input_tokens: 200000, max_tokens: 64000,
          })),
          has_more: page.length > 0 && end < models.length,
          first_id: page[0] ?? null,
          last_id: page.at(-1) ?? null,
        });
        return;
      }
      const model = path.startsWith('/v1/models/') ? decodeURIComponent(path.slice('/v1/models/'.length)) : null;
      if (req.method === 'GET' && model !== null) {
        if (!models.includes(model)) throw new ApiError(404, 'not_found_error', `model: ${model}`);
        sendJson(200, { type: 'model', id: model, display_name: displayName(model), created_at: '2025-01-01T00:00:00Z', max_input_tokens: 200000, max_tokens: 64000 });
        return;
      }
      const counting = path === '/v1/messages/count_tokens';
      if (req.method !== 'POST' || (path !== '/v1/messages' && !counting)) throw new ApiError(404, 'not_found_error', 'Not Found');

      let body;
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw invalid('There was an error parsing the body of your request. Please check that it is valid JSON.');
      }
      record.body = body;
      validate(body, models, counting);
      if (counting) {
        sendJson(200, { input_tokens: promptTokens(body) });
        return;
      }
      const prompt = textOf([...body.messages].reverse().find((m) => m.role === 'user'));
      if (failures.n > 0) {
        failures.n--;
        throw failureFor(failures.status);
      }
      const magic = magicError(prompt) ?? (prompt.includes('fake:stream-error') && !body.stream ? magicError('fake:529') : null);
      if (magic) throw magic;

      // The cache: the prefix up to the last breakpoint, written once, then read.
      const segs = segments(body);
      const lastBreak = segs.findLastIndex((s) => s.breakpoint);
      const cachedPart = lastBreak >= 0 ? segs.slice(0, lastBreak + 1) : [];
      const cachedTokens = cachedPart.reduce((n, s) => n + tokens(s.text), 0);
      const cacheKey = `${body.model}:${sha256(cachedPart.map((s) => s.text).join('\n'))}`;
      const hit = lastBreak >= 0 && cache.has(cacheKey);
      if (lastBreak >= 0) cache.add(cacheKey);
      const oneHour = lastBreak >= 0 && segs[lastBreak].breakpoint.ttl === '1h';
      const written = lastBreak >= 0 && !hit ? cachedTokens : 0;
      const usage = {
        input_tokens: promptTokens(body) - cachedTokens,
        cache_creation_input_tokens: written,
        cache_read_input_tokens: hit ? cachedTokens : 0,
        cache_creation: { ephemeral_5m_input_tokens: oneHour ? 0 : written, ephemeral_1h_input_tokens: oneHour ? written : 0 },
        output_tokens: 0,
        service_tier: 'standard',
      };

      const result = cut(plan(body, prompt, () => nextId('toolu_fake_')), body);
      const message = {
        id: nextId('msg_fake_'), type: 'message', role: 'assistant', model: body.model, container: null,
        content: result.blocks.map(finished), stop_reason: result.stop, stop_sequence: result.stopSequence,
        stop_details: result.stop === 'refusal' ? { type: 'refusal', category: null, explanation: null } : null,
        usage: { ...usage, output_tokens: result.outputTokens },
      };
      if (!body.stream) {
        sendJson(200, message);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': requestId });
      let events = streamEvents(message, result);
      if (prompt.includes('fake:stream-error')) {
        events = events.slice(0, 4);
        events.push(['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]);
      }
      for (const [name, data] of events) {
        if (res.destroyed) return;
        res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
        await new Promise((resolve) => (paceMs > 0 ? setTimeout(resolve, paceMs) : setImmediate(resolve)));
      }
      res.end();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      sendJson(e.status, errorBody(e.type, e.message, requestId), e.headers);
    }
  };

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const record = { method: req.method, url: req.url, path: req.url.split('?')[0], headers: { ...req.headers }, rawBody, body: null };
      requests.push(record);
      reply(req, res, record).catch((e) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(errorBody('api_error', `fake_anthropic failed: ${e.message}`, 'req_fake_error'));
      });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseURL: `http://127.0.0.1:${server.address().port}`,
    apiKey,
    requests,
    failNext: (n, status = 429) => { failures = { n, status }; },
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
