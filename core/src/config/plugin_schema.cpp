#include "config/plugin_schema.hpp"

#include <stdexcept>

#include "config/map_reader.hpp"

namespace turnpike::config {

namespace {

const std::set<std::string> kTypes{"string", "integer", "number", "boolean", "object", "array"};

// A plain (unquoted) scalar as YAML's core schema reads it: boolean, integer, float, or text.
// Quoted scalars are always text.
nlohmann::json scalarJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  int64_t integer = 0;
  if (!parseValue(node, integer)) return integer;
  double number = 0;
  if (text.find_first_of(".eE") != std::string::npos && !parseValue(node, number)) return number;
  return text;
}

// Nested values keep YAML's types (plugins' schemas type only their top-level keys).
nlohmann::json toJson(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json obj = nlohmann::json::object();
    for (auto it = node.begin(); it != node.end(); ++it) obj[it->first.Scalar()] = toJson(it->second);
    return obj;
  }
  if (node.IsSequence()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& item : node) arr.push_back(toJson(item));
    return arr;
  }
  if (node.IsNull()) return nullptr;
  return scalarJson(node);
}

}  // namespace

PluginSchema PluginSchema::parse(std::string_view json) {
  PluginSchema schema;
  nlohmann::json j = nlohmann::json::parse(json.empty() ? std::string_view("{}") : json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::invalid_argument("config schema is not a JSON object");
  for (auto& [key, spec] : j.items()) {
    if (!spec.is_object()) throw std::invalid_argument("config schema entry '" + key + "' is not an object");
    PluginKey k;
    k.type = spec.value("type", "string");
    if (kTypes.count(k.type) == 0) throw std::invalid_argument("config schema entry '" + key + "' has unknown type");
    k.required = spec.value("required", false);
    k.secret = spec.value("secret", false);
    k.doc = spec.value("doc", "");
    if (spec.contains("default")) k.defaultValue = spec["default"];
    schema.keys.emplace(key, std::move(k));
  }
  return schema;
}

PluginSection validatePluginSection(const YAML::Node& section, const std::set<std::string>& coreKeys,
                                    const PluginSchema& schema, const std::string& path, Diagnostics& d) {
  PluginSection out;
  out.config = nlohmann::json::object();
  MapReader r(section, path, d);
  if (!r.isMap()) return out;
  for (const auto& key : coreKeys) r.child(key);
  for (const auto& [name, spec] : schema.keys) {
    YAML::Node value = r.child(name);
    if (!value.IsDefined() || value.IsNull()) {
      if (spec.required) d.error(section, r.keyPath(name), "required key is missing");
      if (!spec.defaultValue.is_null()) out.config[name] = spec.defaultValue;
      continue;
    }
    if (spec.type == "string") {
      std::string v;
      if (r.get(name, v)) {
        if (spec.secret && !v.empty()) out.secrets.push_back(v);
        out.config[name] = v;
      }
    } else if (spec.type == "integer") {
      int64_t v = 0;
      if (r.get(name, v)) out.config[name] = v;
    } else if (spec.type == "number") {
      double v = 0;
      if (r.get(name, v)) out.config[name] = v;
    } else if (spec.type == "boolean") {
      bool v = false;
      if (r.get(name, v)) out.config[name] = v;
    } else if (spec.type == "object") {
      if (!value.IsMap()) {
        d.error(value, r.keyPath(name), "expected a mapping");
      } else {
        out.config[name] = toJson(value);
        if (spec.secret)
          for (auto it = value.begin(); it != value.end(); ++it)
            if (it->second.IsScalar() && !it->second.Scalar().empty()) out.secrets.push_back(it->second.Scalar());
      }
    } else if (spec.type == "array") {
      if (!value.IsSequence()) {
        d.error(value, r.keyPath(name), "expected a list");
      } else {
        out.config[name] = toJson(value);
      }
    }
  }
  r.finish();
  return out;
}

}  // namespace turnpike::config
