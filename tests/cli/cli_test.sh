#!/usr/bin/env bash
# The turnpike binary's subcommands: exit codes and messages operators rely on.
set -uo pipefail
BIN="$1"; ROOT="$2"; PLUGINS="$3"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$ROOT" || fail "no $ROOT"  # relative script paths (scripts/*.lua) are found from the working directory

# The shipped configurations are valid (examples with their secrets set).
"$BIN" check-config --config "$ROOT/config/turnpike.yaml" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "default config rejected"; }
grep -q "OK (1 providers, 4 configured models, scripts scripts/routing.lua and scripts/pricing.lua)" "$tmp/out" ||
  fail "check-config summary: $(cat "$tmp/out")"
# Its dev wallet sits beside the mock provider only: nothing to warn about.
grep -q "DEVELOPMENT WALLET" "$tmp/out" && fail "the default config warns: $(cat "$tmp/out")"

# A routing script that does not load is a configuration error naming file, line and key.
printf 'function route(req, ctx) return nil end\nthis is not lua\n' > "$tmp/broken.lua"
# Each config here names its own database: the default (data/turnpike.db) would be refused when
# the working directory holds one, as it does after make run.
printf 'providers:\n  - name: mock\n    plugin: mock\n    models: [m]\nrouting:\n  script: %s\nstorage:\n  url: sqlite://%s/cli.db\n' "$tmp/broken.lua" "$tmp" > "$tmp/script.yaml"
"$BIN" check-config --config "$tmp/script.yaml" >"$tmp/out" 2>&1 && fail "a broken routing script was accepted"
grep -q "script.yaml:6: routing.script: .*broken.lua:2" "$tmp/out" || fail "broken script message: $(cat "$tmp/out")"
for f in "$ROOT"/config/examples/*.yaml; do
  OPENAI_API_KEY=x GROQ_API_KEY=y STRIPE_SECRET_KEY=sk_test_x STRIPE_WEBHOOK_SECRET=whsec_x "$BIN" check-config --config "$f" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "$f rejected"; }
done

# Every problem is reported with file, line and key, and the exit code is 1.
bad="$ROOT/tests/fixtures/configs/bad.yaml"
"$BIN" check-config --config "$bad" >"$tmp/out" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "bad config exit code $rc"
grep -q "bad.yaml:3: server.listn: unknown key (did you mean 'listen'?)" "$tmp/out" || fail "unknown key: $(cat "$tmp/out")"
grep -q "bad.yaml:10: providers\[1\].name: duplicate provider name 'up'" "$tmp/out" || fail "duplicate: $(cat "$tmp/out")"
# Plugin keys are only checked once the core config is valid; fix the core errors and look again.
sed -e '/listn/d' -e '10s/name: up/name: up2/' "$bad" > "$tmp/bad2.yaml"
printf 'plugins:\n  dir: %s\nstorage:\n  url: sqlite://%s/cli.db\n' "$PLUGINS" "$tmp" >> "$tmp/bad2.yaml"
"$BIN" check-config --config "$tmp/bad2.yaml" >"$tmp/out" 2>&1 && fail "plugin problems accepted"
grep -q "bad2.yaml:7: providers\[0\].api_keys: unknown key (did you mean 'api_key'?)" "$tmp/out" || fail "plugin key: $(cat "$tmp/out")"
grep -q "bad2.yaml:10: providers\[1\].plugin: plugin 'not_a_plugin' not found" "$tmp/out" || fail "missing plugin: $(cat "$tmp/out")"

# serve refuses a bad config without serving.
"$BIN" serve --config "$bad" >"$tmp/out" 2>&1; [ $? = 1 ] || fail "serve accepted a bad config"

# plugins lists what the configuration loads.
printf 'plugins:\n  dir: %s\nstorage:\n  url: sqlite://%s/cli.db\nproviders:\n  - {name: a, plugin: mock, models: [m]}\n  - {name: b, plugin: openai_compat, base_url: "http://x/v1", models: [n]}\n' "$PLUGINS" "$tmp" > "$tmp/p.yaml"
"$BIN" plugins --config "$tmp/p.yaml" >"$tmp/out" 2>&1 || fail "plugins: $(cat "$tmp/out")"
grep -Eq "^mock +provider +1.0.0 +v1 " "$tmp/out" || fail "plugins table: $(cat "$tmp/out")"
grep -Eq "^openai_compat +provider +1.0.0 +v1 " "$tmp/out" || fail "plugins table: $(cat "$tmp/out")"

# Store commands: accounts, credits (idempotent), keys.
printf 'storage:\n  url: sqlite://%s/cli.db\nproviders:\n  - {name: a, plugin: mock, models: [m]}\n' "$tmp" > "$tmp/s.yaml"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
"$BIN" migrate --config "$tmp/s.yaml" > "$tmp/m.json" || fail "migrate"
python3 -c "import json; m = json.load(open('$tmp/m.json')); assert m['schema_version'] == m['migrations'][-1]['version'] > 0" \
  || fail "migrate: $(cat "$tmp/m.json")"
acct=$("$BIN" accounts create --name acme --credit 5000 --config "$tmp/s.yaml") || fail "accounts create"
id=$(echo "$acct" | json '["account_id"]')
echo "$acct" | json '["api_key"]' | grep -q '^sk-tp-' || fail "api key: $acct"
"$BIN" accounts credit "$id" 250 --idempotency-key inv-1 --config "$tmp/s.yaml" | json '["applied"]' | grep -qx True || fail "credit"
"$BIN" accounts credit "$id" 250 --idempotency-key inv-1 --config "$tmp/s.yaml" | json '["applied"]' | grep -qx False || fail "credit twice"
"$BIN" accounts show "$id" --config "$tmp/s.yaml" | json '["balance"]' | grep -qx 5250 || fail "show balance"
key=$("$BIN" keys create "$id" --name ci --usage-limit 100 --reset-period daily --config "$tmp/s.yaml") || fail "keys create"
kid=$(echo "$key" | json '["id"]')
"$BIN" keys list "$id" --config "$tmp/s.yaml" | json '[1]["usage_limit"]' | grep -qx 100 || fail "keys list"
"$BIN" keys list "$id" --config "$tmp/s.yaml" | grep -q "$(echo "$key" | json '["api_key"]')" && fail "keys list shows a secret"
"$BIN" keys revoke "$kid" --config "$tmp/s.yaml" | json '["revoked"]' | grep -qx True || fail "revoke"
"$BIN" accounts credit acct_nope 5 --config "$tmp/s.yaml" >/dev/null 2>&1; [ $? = 1 ] || fail "credit to unknown account"
"$BIN" keys create "$id" --bogus 1 --config "$tmp/s.yaml" >/dev/null 2>&1; [ $? = 2 ] || fail "unknown option"

# Usage errors and help.
"$BIN" frobnicate >/dev/null 2>&1; [ $? = 2 ] || fail "unknown command exit code"
"$BIN" serve --help | grep -q "usage: turnpike serve" || fail "serve --help"
"$BIN" --help | grep -q "check-config" || fail "--help"
echo "cli ok"
