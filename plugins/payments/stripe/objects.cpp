#include "stripe/objects.hpp"

#include <nlohmann/json.hpp>

namespace turnpike::payments::stripe {

namespace {

using nlohmann::json;

// A string member; absent or null -> "" (nullopt when present with another type).
std::optional<std::string> stringMember(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

Result<CheckoutSession> sessionFrom(const json& obj) {
  if (!obj.is_object()) return fail("stripe: checkout session is not an object");
  CheckoutSession s;
  struct {
    const char* key;
    std::string* target;
  } strings[] = {{"id", &s.id},
                 {"status", &s.status},
                 {"payment_status", &s.paymentStatus},
                 {"currency", &s.currency},
                 {"client_reference_id", &s.clientReferenceId},
                 {"url", &s.url}};
  for (auto& f : strings) {
    auto v = stringMember(obj, f.key);
    if (!v) return fail(std::string("stripe: '") + f.key + "' is not a string");
    *f.target = std::move(*v);
  }
  if (s.id.empty()) return fail("stripe: checkout session without an id");

  if (auto it = obj.find("amount_total"); it != obj.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0)
      return fail("stripe: 'amount_total' is not a non-negative integer");
    s.amountTotal = it->get<int64_t>();
  }
  if (auto it = obj.find("expires_at"); it != obj.end() && !it->is_null()) {
    if (!it->is_number_integer()) return fail("stripe: 'expires_at' is not an integer");
    s.expiresAt = it->get<int64_t>();
  }
  if (auto it = obj.find("metadata"); it != obj.end() && !it->is_null()) {
    if (!it->is_object()) return fail("stripe: 'metadata' is not an object");
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) return fail("stripe: metadata value '" + key + "' is not a string");
      s.metadata[key] = value.get<std::string>();
    }
  }
  return s;
}

Result<json> parseJson(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return fail("stripe: invalid JSON");
  return doc;
}

}  // namespace

Result<CheckoutSession> parseCheckoutSession(std::string_view text) {
  auto doc = parseJson(text);
  if (!doc) return fail(doc.error());
  return sessionFrom(*doc);
}

Result<Event> parseEvent(std::string_view text) {
  auto doc = parseJson(text);
  if (!doc) return fail(doc.error());
  const json& e = *doc;
  if (!e.is_object()) return fail("stripe: event is not an object");
  Event out;
  auto id = stringMember(e, "id");
  auto type = stringMember(e, "type");
  if (!id || id->empty()) return fail("stripe: event without an id");
  if (!type || type->empty()) return fail("stripe: event without a type");
  out.id = std::move(*id);
  out.type = std::move(*type);

  auto data = e.find("data");
  if (data == e.end() || !data->is_object()) return fail("stripe: event without data");
  auto object = data->find("object");
  if (object == data->end() || !object->is_object()) return fail("stripe: event without data.object");
  auto objectType = stringMember(*object, "object");
  auto objectId = stringMember(*object, "id");
  if (!objectType || !objectId) return fail("stripe: data.object has a malformed 'object' or 'id'");
  out.objectType = std::move(*objectType);
  out.objectId = std::move(*objectId);
  if (out.objectType == "checkout.session") {
    auto session = sessionFrom(*object);
    if (!session) return fail(session.error());
    out.session = std::move(*session);
  }
  return out;
}

}  // namespace turnpike::payments::stripe
