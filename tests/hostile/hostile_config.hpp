// The configuration hostile tests start the real binary with: the mock provider (a free and a
// paid model, and a free embedding model), SQLite, the build's plugins. `server` and `extra` add YAML of the test's own.
#pragma once

#include <string>

namespace turnpike::test {

// `server` is indented under `server:` (e.g. "  header_timeout_ms: 1000\n"); `extra` holds
// further top-level sections (payments, billing ...); `mock` holds keys of the mock provider's
// entry (e.g. "    timeout_ms: 1000\n    chunk_delay_ms: 50\n").
inline std::string hostileConfig(const std::string& server = "", const std::string& extra = "",
                                 const std::string& mock = "") {
  return "server:\n  listen: 127.0.0.1:0\n  workers: 2\n" + server +
         R"(storage:
  url: sqlite://{{db}}
plugins:
  dir: {{plugins}}
log:
  level: notice
providers:
  - name: mock
    plugin: mock
)" + mock + R"(    models:
      - id: mock-fast
        price: {input: 0, output: 0}
      - id: mock-paid
        price: {input: 1000000, output: 2000000, request: 1000}
        max_output_tokens: 256
      - id: mock-embed
        price: {input: 0, output: 0}
        capabilities: [embeddings]
)" + extra;
}

}  // namespace turnpike::test
