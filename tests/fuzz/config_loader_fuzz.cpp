// YAML text through config::parseConfigText. Every problem must come out as a ConfigError whose
// diagnostics name the file and a line of it (0: unknown); nothing else may escape, since the
// gateway turns exactly that into a clean message at start and on reload.
#include <algorithm>
#include <string>

#include "config/config_loader.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace turnpike::config;

constexpr const char* kFile = "fuzz.yaml";

std::optional<std::string> fuzzEnv(const std::string& name) {
  if (name == "TP_FUZZ_SECRET") return std::string("s3cret");
  if (name == "TP_FUZZ_EMPTY") return std::string();
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  try {
    parseConfigText(text, kFile, fuzzEnv);
  } catch (const ConfigError& e) {
    FUZZ_CHECK(!e.diagnostics().empty());
    for (const Diagnostic& d : e.diagnostics()) {
      FUZZ_CHECK(d.file == kFile);
      FUZZ_CHECK(d.line >= 0 && d.line <= lines);
      FUZZ_CHECK(!d.message.empty());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "escaped: %s\n", e.what());
    FUZZ_CHECK(!"an exception other than ConfigError escaped parseConfigText");
  }
  return 0;
}
