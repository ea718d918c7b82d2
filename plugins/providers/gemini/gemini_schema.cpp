#include "gemini/gemini_schema.hpp"

#include <set>
#include <string>

namespace turnpike::gemini {

using nlohmann::json;

namespace {

constexpr int kMaxDepth = 32;
constexpr int kMaxRefExpansions = 64;

// Keywords copied as they are; everything else not handled below is dropped.
const std::set<std::string> kPlainKeywords{"description", "title",     "nullable",      "minItems",
                                           "maxItems",    "minimum",   "maximum",       "minLength",
                                           "maxLength",   "pattern",   "minProperties", "maxProperties",
                                           "propertyOrdering"};

bool allowedFormat(const std::string& type, const std::string& format) {
  if (type == "string") return format == "enum" || format == "date-time";
  if (type == "number") return format == "float" || format == "double";
  if (type == "integer") return format == "int32" || format == "int64";
  return false;
}

class Sanitizer {
 public:
  explicit Sanitizer(const json& root) : root_(root) {}

  json run(const json& schema, int depth) {
    if (!schema.is_object() || depth > kMaxDepth) return json::object();
    if (auto it = schema.find("$ref"); it != schema.end()) return inlineRef(*it, schema, depth);

    json out = json::object();
    if (auto it = schema.find("allOf"); it != schema.end() && it->is_array()) {
      json merged = mergeAll(schema, *it);
      return run(merged, depth + 1);
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      auto it = schema.find(key);
      if (it == schema.end() || !it->is_array()) continue;
      json options = json::array();
      for (const auto& option : *it) {
        if (option.is_object() && option.value("type", json()) == "null") {
          out["nullable"] = true;
          continue;
        }
        options.push_back(run(option, depth + 1));
      }
      if (options.size() == 1) {
        json only = options[0];
        for (auto& [k, v] : only.items()) out[k] = v;
      } else if (!options.empty()) {
        out["anyOf"] = options;
      }
    }

    std::string type = typeOf(schema, out);
    if (!type.empty()) out["type"] = type;
    for (auto& [key, value] : schema.items())
      if (kPlainKeywords.count(key) != 0) out[key] = value;

    if (auto it = schema.find("const"); it != schema.end() && it->is_string()) {
      out["enum"] = json::array({*it});
      if (type.empty()) out["type"] = "string";
    }
    if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
      // Gemini's enums are strings only; other values would be refused.
      bool strings = !it->empty();
      for (const auto& v : *it) strings = strings && v.is_string();
      if (strings) {
        out["enum"] = *it;
        if (type.empty()) out["type"] = "string";
      }
    }
    if (auto it = schema.find("format"); it != schema.end() && it->is_string() &&
                                         allowedFormat(out.value("type", ""), it->get<std::string>()))
      out["format"] = *it;

    if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) {
      json properties = json::object();
      for (auto& [name, sub] : it->items()) properties[name] = run(sub, depth + 1);
      out["properties"] = properties;
      if (!out.contains("type")) out["type"] = "object";
      if (auto req = schema.find("required"); req != schema.end() && req->is_array()) {
        json required = json::array();
        for (const auto& name : *req)
          if (name.is_string() && properties.contains(name.get<std::string>())) required.push_back(name);
        if (!required.empty()) out["required"] = required;
      }
    }
    if (auto it = schema.find("items"); it != schema.end()) {
      // Tuple forms (an array of schemas) keep their first member's shape.
      const json& items = it->is_array() ? (it->empty() ? json::object() : it->front()) : *it;
      out["items"] = run(items, depth + 1);
      if (!out.contains("type")) out["type"] = "array";
    }
    return out;
  }

 private:
  // type "T" kept; ["T", "null"] -> T + nullable; "null" alone -> nullable.
  static std::string typeOf(const json& schema, json& out) {
    auto it = schema.find("type");
    if (it == schema.end()) return {};
    std::string type;
    if (it->is_string()) {
      type = it->get<std::string>();
    } else if (it->is_array()) {
      for (const auto& t : *it) {
        if (!t.is_string()) continue;
        if (t == "null") {
          out["nullable"] = true;
        } else if (type.empty()) {
          type = t.get<std::string>();
        }
      }
    }
    if (type == "null") {
      out["nullable"] = true;
      return {};
    }
    return type;
  }

  json mergeAll(const json& schema, const json& parts) {
    json merged = schema;
    merged.erase("allOf");
    for (const auto& part : parts) {
      if (!part.is_object()) continue;
      json resolved = part.contains("$ref") ? resolve(part["$ref"]) : part;
      for (auto& [key, value] : resolved.items()) {
        if (key == "properties" && value.is_object()) {
          for (auto& [name, sub] : value.items()) merged["properties"][name] = sub;
        } else if (key == "required" && value.is_array()) {
          for (const auto& name : value) merged["required"].push_back(name);
        } else if (!merged.contains(key)) {
          merged[key] = value;
        }
      }
    }
    return merged;
  }

  json resolve(const json& ref) {
    if (!ref.is_string()) return json::object();
    std::string path = ref.get<std::string>();
    for (const char* prefix : {"#/$defs/", "#/definitions/"}) {
      std::string p(prefix);
      if (path.rfind(p, 0) != 0) continue;
      const char* container = p == "#/$defs/" ? "$defs" : "definitions";
      auto defs = root_.find(container);
      if (defs == root_.end() || !defs->is_object()) return json::object();
      auto target = defs->find(path.substr(p.size()));
      return target != defs->end() ? *target : json::object();
    }
    if (path == "#") return root_;
    return json::object();
  }

  json inlineRef(const json& ref, const json& schema, int depth) {
    std::string key = ref.is_string() ? ref.get<std::string>() : std::string();
    // A recursive definition (a tree, a linked list) has no finite inline form: cut it there.
    if (++expansions_ > kMaxRefExpansions || active_.count(key) != 0) {
      json out = json::object();
      if (schema.contains("description")) out["description"] = schema["description"];
      return out;
    }
    json target = resolve(ref);
    for (auto& [k, v] : schema.items())
      if (k != "$ref") target[k] = v;
    active_.insert(key);
    json out = run(target, depth + 1);
    active_.erase(key);
    return out;
  }

  const json& root_;
  std::set<std::string> active_;
  int expansions_ = 0;
};

}  // namespace

json sanitizeSchema(const json& schema) {
  Sanitizer sanitizer(schema);
  return sanitizer.run(schema, 0);
}

}  // namespace turnpike::gemini
