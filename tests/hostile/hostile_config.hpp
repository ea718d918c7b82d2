// The configuration hostile tests start the real binary with: the mock provider (a free and a
// paid model, and a free embedding model), SQLite, the build's plugins, optionally a fake
// upstream of the test's own.
#pragma once

#include <string>

namespace turnpike::test {

struct HostileConfig {
  std::string server;    // indented under `server:` (e.g. "  header_timeout_ms: 1000\n")
  std::string extra;     // further top-level sections (payments, billing ...)
  std::string mock;      // keys of the mock provider's entry (e.g. "    chunk_delay_ms: 50\n")
  // A FakeUpstream's base URL: adds provider "up" (openai_compat) with the free model
  // "up-free", the paid "up-paid" (1 unit per output token, up to 100000) and `upstreamExtra`
  // (indented under the provider, e.g. "    discover_models: true\n").
  std::string upstream;
  std::string upstreamExtra;
  std::string log = "  level: notice\n";  // indented under `log:`
};

inline std::string hostileConfig(const HostileConfig& c) {
  std::string yaml = "server:\n  listen: 127.0.0.1:0\n  workers: 2\n" + c.server +
                     R"(storage:
  url: sqlite://{{db}}
plugins:
  dir: {{plugins}}
log:
)" + c.log + R"(providers:
  - name: mock
    plugin: mock
)" + c.mock + R"(    models:
      - id: mock-fast
        price: {input: 0, output: 0}
      - id: mock-paid
        price: {input: 1000000, output: 2000000, request: 1000}
        max_output_tokens: 256
      - id: mock-embed
        price: {input: 0, output: 0}
        capabilities: [embeddings]
)";
  if (!c.upstream.empty()) {
    yaml += "  - name: up\n    plugin: openai_compat\n    base_url: " + c.upstream + "\n" + c.upstreamExtra + R"(    models:
      - id: up-free
        price: {input: 0, output: 0}
      - id: up-paid
        price: {output: 1000000}
        max_output_tokens: 100000
)";
  }
  return yaml + c.extra;
}

// `server` is indented under `server:`; `extra` holds further top-level sections; `mock` keys of
// the mock provider's entry.
inline std::string hostileConfig(const std::string& server = "", const std::string& extra = "",
                                 const std::string& mock = "") {
  HostileConfig c;
  c.server = server;
  c.extra = extra;
  c.mock = mock;
  return hostileConfig(c);
}

}  // namespace turnpike::test
