#include "config/env_subst.hpp"

#include <cstdlib>

namespace turnpike::config {

namespace {

bool validName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// An alias inside its own anchor gives yaml-cpp a cyclic tree, and aliases of aliases expand
// exponentially: the walk is bounded in depth and in values visited, or either would run away.
constexpr int kMaxDepth = 64;
constexpr size_t kMaxValues = 100'000;

struct Walk {
  const EnvLookup& env;
  Diagnostics& diagnostics;
  size_t values = 0;
  bool stopped = false;
};

void walk(YAML::Node node, const std::string& path, int depth, Walk& w) {
  if (w.stopped) return;
  if (depth > kMaxDepth || ++w.values > kMaxValues) {
    w.diagnostics.error(node, path,
                        depth > kMaxDepth ? "nested deeper than " + std::to_string(kMaxDepth) +
                                                " levels (an alias inside its own anchor?)"
                                          : "more than " + std::to_string(kMaxValues) + " values once aliases are expanded");
    w.stopped = true;
    return;
  }
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text.find('$') == std::string::npos) return;
    std::string error;
    auto replaced = substitute(text, w.env, error);
    if (!replaced) {
      w.diagnostics.error(node, path, error);
    } else if (*replaced != text) {
      node = *replaced;
    }
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
      walk(it->second, path.empty() ? key : path + "." + key, depth + 1, w);
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) walk(node[i], path + "[" + std::to_string(i) + "]", depth + 1, w);
  }
}

}  // namespace

std::optional<std::string> processEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> substitute(const std::string& text, const EnvLookup& env, std::string& error) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 2;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out.push_back(text[i]);
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos) {
      error = "unterminated ${ in value";
      return std::nullopt;
    }
    std::string inner = text.substr(i + 2, close - i - 2);
    std::string name = inner;
    std::optional<std::string> fallback;
    size_t sep = inner.find(":-");
    if (sep != std::string::npos) {
      name = inner.substr(0, sep);
      fallback = inner.substr(sep + 2);
    }
    if (!validName(name)) {
      error = "malformed variable reference ${" + inner + "}";
      return std::nullopt;
    }
    auto value = env(name);
    // ${VAR:-default} also applies the default when VAR is set but empty, as in POSIX shells.
    if (!value || (value->empty() && fallback)) {
      if (!fallback) {
        error = "environment variable " + name + " is not set (write ${" + name + ":-default} to make it optional)";
        return std::nullopt;
      }
      value = fallback;
    }
    out += *value;
    i = close;
  }
  return out;
}

void substituteTree(YAML::Node root, const EnvLookup& env, Diagnostics& diagnostics) {
  Walk w{env, diagnostics};
  walk(root, "", 0, w);
}

}  // namespace turnpike::config
