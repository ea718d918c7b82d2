#include "mock/schema_instance.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace turnpike::mock {

namespace {

using nlohmann::json;

// Schemas nest (and $ref may recurse): past this depth a value stops growing.
constexpr int kMaxDepth = 24;
constexpr size_t kMaxItems = 8;

uint64_t hashOf(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

class Generator {
 public:
  Generator(const json& root, std::string_view seed) : root_(root), seed_(seed) {}

  // `path` names the value's place (feeds the numbers); `variant` tells array items apart.
  json value(const json& schema, const std::string& path, size_t variant, int depth) const {
    if (!schema.is_object() || depth > kMaxDepth) return text(json::object(), variant);
    if (schema.contains("$ref") && schema["$ref"].is_string()) return value(resolve(schema["$ref"]), path, variant, depth + 1);
    if (schema.contains("const")) return schema["const"];
    if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty())
      return schema["enum"][variant % schema["enum"].size()];
    for (const char* key : {"anyOf", "oneOf"})
      if (schema.contains(key) && schema[key].is_array() && !schema[key].empty())
        return value(firstNotNull(schema[key]), path, variant, depth + 1);
    if (schema.contains("allOf") && schema["allOf"].is_array()) return value(merged(schema), path, variant, depth + 1);
    std::string type = typeOf(schema);
    if (type == "object") return object(schema, path, depth);
    if (type == "array") return array(schema, path, depth);
    if (type == "integer") return integer(schema, path, variant);
    if (type == "number") return number(schema, path, variant);
    if (type == "boolean") return true;
    if (type == "null") return nullptr;
    return text(schema, variant);
  }

 private:
  const json& resolve(const json& ref) const {
    static const json kAny = json::object();
    std::string pointer = ref.get<std::string>();
    if (pointer.empty() || pointer[0] != '#') return kAny;
    try {
      const json& target = root_.at(json::json_pointer(pointer.substr(1)));
      return target;
    } catch (const std::exception&) {
      return kAny;
    }
  }

  static const json& firstNotNull(const json& options) {
    for (const auto& o : options)
      if (!(o.is_object() && o.value("type", "") == "null")) return o;
    return options[0];
  }

  // allOf: the members' keywords together (enough for the object compositions generators write).
  static json merged(const json& schema) {
    json out = schema;
    out.erase("allOf");
    for (const auto& part : schema["allOf"]) {
      if (!part.is_object()) continue;
      for (auto& [key, v] : part.items()) {
        if (key == "properties" && out.contains("properties") && out["properties"].is_object() && v.is_object()) {
          out["properties"].update(v);
        } else if (key == "required" && out.contains("required") && out["required"].is_array() && v.is_array()) {
          for (const auto& r : v) out["required"].push_back(r);
        } else if (!out.contains(key)) {
          out[key] = v;
        }
      }
    }
    return out;
  }

  static std::string typeOf(const json& schema) {
    if (schema.contains("type")) {
      const json& t = schema["type"];
      if (t.is_string()) return t.get<std::string>();
      if (t.is_array()) {
        for (const auto& one : t)
          if (one.is_string() && one.get<std::string>() != "null") return one.get<std::string>();
        if (!t.empty() && t[0].is_string()) return t[0].get<std::string>();
      }
    }
    if (schema.contains("properties") || schema.contains("required")) return "object";
    if (schema.contains("items") || schema.contains("prefixItems")) return "array";
    return "string";
  }

  json object(const json& schema, const std::string& path, int depth) const {
    json out = json::object();
    if (schema.contains("properties") && schema["properties"].is_object())
      for (auto& [name, sub] : schema["properties"].items()) out[name] = value(sub, path + "/" + name, 0, depth + 1);
    if (schema.contains("required") && schema["required"].is_array())
      for (const auto& name : schema["required"])
        if (name.is_string() && !out.contains(name.get<std::string>())) out[name.get<std::string>()] = text(json::object(), 0);
    return out;
  }

  json array(const json& schema, const std::string& path, int depth) const {
    json out = json::array();
    size_t count = std::max<size_t>(1, schema.value("minItems", size_t{1}));
    if (schema.contains("prefixItems") && schema["prefixItems"].is_array())
      count = std::max(count, schema["prefixItems"].size());
    if (schema.contains("maxItems") && schema["maxItems"].is_number_unsigned())
      count = std::min<size_t>(count, schema["maxItems"].get<size_t>());
    count = std::min(count, kMaxItems);
    static const json kAny = json::object();
    for (size_t i = 0; i < count; ++i) {
      const json* item = schema.contains("items") ? &schema["items"] : &kAny;
      if (schema.contains("prefixItems") && schema["prefixItems"].is_array() && i < schema["prefixItems"].size())
        item = &schema["prefixItems"][i];
      out.push_back(value(*item, path + "/" + std::to_string(i), i, depth + 1));
    }
    return out;
  }

  // Lower and upper bounds from minimum/maximum and their exclusive forms (draft 4 booleans too).
  static void bounds(const json& schema, double& low, double& high, double step) {
    auto num = [&](const char* key, double& into) {
      if (schema.contains(key) && schema[key].is_number()) into = schema[key].get<double>();
    };
    num("minimum", low);
    num("maximum", high);
    if (schema.contains("exclusiveMinimum")) {
      if (schema["exclusiveMinimum"].is_number()) low = schema["exclusiveMinimum"].get<double>() + step;
      else if (schema["exclusiveMinimum"].is_boolean() && schema["exclusiveMinimum"].get<bool>()) low += step;
    }
    if (schema.contains("exclusiveMaximum")) {
      if (schema["exclusiveMaximum"].is_number()) high = schema["exclusiveMaximum"].get<double>() - step;
      else if (schema["exclusiveMaximum"].is_boolean() && schema["exclusiveMaximum"].get<bool>()) high -= step;
    }
  }

  // A number from the seed and the path, inside the bounds, on the multipleOf grid.
  double pick(const json& schema, const std::string& path, size_t variant, double step) const {
    double low = 0;
    double high = 100;
    bool hasLow = schema.contains("minimum") || schema.contains("exclusiveMinimum");
    bool hasHigh = schema.contains("maximum") || schema.contains("exclusiveMaximum");
    bounds(schema, low, high, step);
    if (hasLow && !hasHigh) high = low + 100;
    if (hasHigh && !hasLow) low = std::min(0.0, high - 100);
    if (high < low) high = low;
    double span = high - low;
    double x = low + static_cast<double>((hashOf(seed_) ^ hashOf(path)) % 1000 + variant) / 1000.0 * span;
    if (schema.contains("multipleOf") && schema["multipleOf"].is_number() && schema["multipleOf"].get<double>() > 0) {
      double m = schema["multipleOf"].get<double>();
      double k = std::ceil(low / m);
      double best = k * m;
      while (best + m <= x && best + m <= high) best += m;
      return best;
    }
    return std::min(x, high);
  }

  json integer(const json& schema, const std::string& path, size_t variant) const {
    double x = pick(schema, path, variant, 1);
    double low = -1e18;
    double high = 1e18;
    bounds(schema, low, high, 1);
    double r = std::floor(x);
    if (r < low) r = std::ceil(low);
    if (r > high) r = std::floor(high);
    return static_cast<int64_t>(r);
  }

  json number(const json& schema, const std::string& path, size_t variant) const {
    return pick(schema, path, variant, 0.5);
  }

  json text(const json& schema, size_t variant) const {
    std::string format = schema.is_object() ? schema.value("format", "") : "";
    std::string out;
    if (format == "date-time") out = "2026-01-01T00:00:00Z";
    else if (format == "date") out = "2026-01-01";
    else if (format == "time") out = "00:00:00";
    else if (format == "email") out = "mock@example.com";
    else if (format == "uri" || format == "url") out = "https://example.com/mock";
    else if (format == "uuid") out = "00000000-0000-4000-8000-000000000000";
    else out = std::string(seed_.empty() ? std::string_view("mock") : seed_);
    if (variant > 0 && format.empty()) out += " " + std::to_string(variant);
    if (schema.is_object() && schema.contains("maxLength") && schema["maxLength"].is_number_unsigned()) {
      size_t max = schema["maxLength"].get<size_t>();
      if (out.size() > max) {
        out.resize(max);
        while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
        if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
      }
    }
    if (schema.is_object() && schema.contains("minLength") && schema["minLength"].is_number_unsigned())
      while (out.size() < schema["minLength"].get<size_t>()) out += 'x';
    return out;
  }

  const json& root_;
  std::string_view seed_;
};

}  // namespace

json schemaInstance(const json& schema, std::string_view seed) {
  return Generator(schema, seed).value(schema, "", 0, 0);
}

}  // namespace turnpike::mock
