#include "onchain/watch_store.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "onchain/state_keys.hpp"

namespace turnpike::payments::onchain {

using nlohmann::json;

namespace {

json toJson(const WatchRecord& r) {
  json outputs = json::object();
  for (const auto& [id, o] : r.outputs)
    outputs[id] = {{"sats", o.sats}, {"state", o.state == OutputState::Credited ? "credited" : "pending"}};
  return json{{"script", r.scriptPubKeyHex},
              {"index", r.index},
              {"topup_id", r.topupId},
              {"watch_until_ms", r.watchUntilMs},
              {"next_check_ms", r.nextCheckMs},
              {"last_check_ms", r.lastCheckMs},
              {"attempts", r.attempts},
              {"open", r.open},
              {"received", r.received},
              {"outputs", std::move(outputs)}};
}

}  // namespace

bool WatchRecord::waiting() const {
  for (const auto& [id, o] : outputs)
    if (o.state == OutputState::Pending) return true;
  return false;
}

WatchStore::WatchStore(sdk::Host host) : host_(host), queue_(host, std::string(keys::kDuePrefix)) {}

void WatchStore::save(const WatchRecord& record) { host_.statePut(keys::watch(record.address), toJson(record).dump()); }

void WatchStore::add(const WatchRecord& record) {
  save(record);
  if (record.open) queue_.add(record.nextCheckMs, record.address);
}

std::optional<WatchRecord> WatchStore::find(std::string_view address) const {
  auto text = host_.stateGet(keys::watch(address));
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) throw std::runtime_error("corrupt watch record in state");
  try {
    WatchRecord r;
    r.address = std::string(address);
    r.scriptPubKeyHex = j.at("script").get<std::string>();
    r.index = j.at("index").get<uint32_t>();
    r.topupId = j.at("topup_id").get<std::string>();
    r.watchUntilMs = j.at("watch_until_ms").get<int64_t>();
    r.nextCheckMs = j.at("next_check_ms").get<int64_t>();
    r.lastCheckMs = j.value("last_check_ms", int64_t{0});
    r.attempts = j.value("attempts", uint32_t{0});
    r.open = j.at("open").get<bool>();
    r.received = j.value("received", false);
    for (const auto& [id, o] : j.at("outputs").items())
      r.outputs[id] = {o.at("sats").get<uint64_t>(),
                       o.at("state").get<std::string>() == "credited" ? OutputState::Credited : OutputState::Pending};
    return r;
  } catch (const json::exception&) {
    throw std::runtime_error("corrupt watch record in state");
  }
}

void WatchStore::reschedule(WatchRecord& record, int64_t atMs) {
  int64_t previous = record.nextCheckMs;
  record.nextCheckMs = atMs;
  // New queue entry first: a crash in between leaves a stale entry (dropped when met), never
  // an address nobody watches.
  queue_.add(atMs, record.address);
  save(record);
  if (previous != atMs) queue_.remove(previous, record.address);
}

void WatchStore::close(WatchRecord& record) {
  record.open = false;
  save(record);
  queue_.remove(record.nextCheckMs, record.address);
}

}  // namespace turnpike::payments::onchain
