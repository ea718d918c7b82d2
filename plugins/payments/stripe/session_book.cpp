#include "stripe/session_book.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "common/clock.hpp"
#include "stripe/state_keys.hpp"

namespace turnpike::payments::stripe {

using nlohmann::json;

namespace {

json toJson(const SessionRecord& r) {
  return json{{"topup_id", r.topupId},
              {"amount_msat", r.amountMsat},
              {"amount_cents", r.amountCents},
              {"currency", "usd"},
              {"created_at", r.createdAt}};
}

}  // namespace

void SessionBook::add(const SessionRecord& record) {
  if (host_.stateInsert(keys::session(record.sessionId), toJson(record).dump())) return;
  auto existing = find(record.sessionId);
  if (!existing || existing->topupId != record.topupId)
    throw std::runtime_error("stripe: session " + record.sessionId + " is already recorded for another top-up");
}

std::optional<SessionRecord> SessionBook::find(std::string_view sessionId) const {
  auto text = host_.stateGet(keys::session(sessionId));
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("topup_id") || !j["topup_id"].is_string() || !j.contains("amount_msat") ||
      !j["amount_msat"].is_number_unsigned() || !j.contains("amount_cents") || !j["amount_cents"].is_number_integer())
    throw std::runtime_error("stripe: corrupt state record for session " + std::string(sessionId));
  SessionRecord r;
  r.sessionId = std::string(sessionId);
  r.topupId = j["topup_id"].get<std::string>();
  r.amountMsat = j["amount_msat"].get<uint64_t>();
  r.amountCents = j["amount_cents"].get<int64_t>();
  r.createdAt = j.value("created_at", int64_t{0});
  return r;
}

std::optional<uint64_t> SessionBook::paidAmount(std::string_view sessionId) const {
  auto text = host_.stateGet(keys::paid(sessionId));
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  return j.is_object() ? j.value("amount_msat", uint64_t{0}) : 0;
}

bool SessionBook::markPaid(std::string_view sessionId, uint64_t amountMsat, int64_t amountTotalCents,
                           std::string_view via) {
  json j{{"amount_msat", amountMsat}, {"amount_total", amountTotalCents}, {"via", via}, {"at", nowSeconds()}};
  return host_.stateInsert(keys::paid(sessionId), j.dump());
}

}  // namespace turnpike::payments::stripe
