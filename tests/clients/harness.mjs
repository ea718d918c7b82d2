// Starts the real turnpike binary on a free port with a given config and stops it afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository root: relative script paths (scripts/routing.lua ...) are found from there.
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

export const BIN = process.env.TURNPIKE_BIN;
export const PLUGIN_DIR = process.env.TURNPIKE_PLUGIN_DIR;
if (!BIN || !PLUGIN_DIR) throw new Error('TURNPIKE_BIN and TURNPIKE_PLUGIN_DIR must be set (ctest sets them)');

export const MOCK_CONFIG = `
providers:
  - name: mock
    plugin: mock
    models:
      - id: mock-fast
        capabilities: [chat, completions, tools]
      - id: mock-embed
        capabilities: [embeddings]
`;

// A model price in msat per token, as the YAML `price:` flow map (the config counts per million
// tokens): `per` has input and output and may have cached (cached_input) and cacheWrite.
export function priceYaml(per) {
  const keys = { input: 'input', cached: 'cached_input', cacheWrite: 'cache_write', output: 'output' };
  const entries = Object.entries(keys).filter(([k]) => per[k] !== undefined);
  return `{${entries.map(([k, yamlKey]) => `${yamlKey}: ${per[k] * 1e6}`).join(', ')}}`;
}

// One entry of the config's `providers:` list. Each model is { id, upstreamId?, price?,
// maxOutputTokens? }; `price` and `maxOutputTokens` given here are every model's unless it has its own.
export function providerYaml({ name, plugin, baseURL, apiKey, models, price, maxOutputTokens }) {
  const lines = [`  - name: ${name}`, `    plugin: ${plugin}`];
  if (baseURL) lines.push(`    base_url: ${baseURL}`);
  if (apiKey) lines.push(`    api_key: ${apiKey}`);
  lines.push('    models:');
  for (const model of models) {
    lines.push(`      - id: ${model.id}`);
    if (model.upstreamId) lines.push(`        upstream_id: ${model.upstreamId}`);
    lines.push(`        price: ${model.price ?? price}`);
    const max = model.maxOutputTokens ?? maxOutputTokens;
    if (max) lines.push(`        max_output_tokens: ${max}`);
  }
  return `${lines.join('\n')}\n`;
}

// Resolves to { baseURL, port, logs(), stop() } once the gateway listens. `serverYaml` adds keys
// under `server:` (indented two spaces).
export async function startGateway(configYaml = MOCK_CONFIG, serverYaml = '') {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-client-'));
  const file = join(dir, 'turnpike.yaml');
  writeFileSync(file, `server:\n  listen: 127.0.0.1:0\n${serverYaml}storage:\n  url: sqlite://${join(dir, 'turnpike.db')}\nplugins:\n  dir: ${PLUGIN_DIR}\n${configYaml}`);
  const child = spawn(BIN, ['serve', '--config', file], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 15000);
    const onData = (chunk) => {
      output += chunk.toString();
      const m = output.match(/listening on [^ ]+:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`gateway exited (${code}):\n${output}`)); });
  });
  child.removeAllListeners('exit');
  return {
    port,
    baseURL: `http://127.0.0.1:${port}/v1`,
    logs: () => output,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      const kill = setTimeout(() => child.kill('SIGKILL'), 10000);
      child.on('exit', (code) => { clearTimeout(kill); resolve(code); });
      child.kill('SIGTERM');
    }),
  };
}

// An account opened by open signup with `credit` (billing.signup_credit) and helpers to read
// what calls cost it: { apiKey, balance(), me(), charged(fn) }, charged waiting out reservations
// (a cancelled stream settles after the client has gone).
export async function openAccount(baseURL) {
  const signup = await fetch(`${baseURL}/accounts`, { method: 'POST' });
  if (signup.status !== 201) throw new Error(`signup answered ${signup.status}`);
  const { api_key: apiKey } = await signup.json();
  const me = async () => {
    const r = await fetch(`${baseURL}/me`, { headers: { authorization: `Bearer ${apiKey}` } });
    if (r.status !== 200) throw new Error(`/me answered ${r.status}`);
    return r.json();
  };
  const settled = async () => {
    for (let i = 0; i < 100; i++) {
      const m = await me();
      if (m.reserved === 0) return m.balance;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('a reservation was never settled');
  };
  return {
    apiKey,
    me,
    balance: settled,
    charged: async (fn) => {
      const before = await settled();
      await fn();
      return before - (await settled());
    },
  };
}
