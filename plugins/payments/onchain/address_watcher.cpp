#include "onchain/address_watcher.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "common/clock.hpp"

namespace turnpike::payments::onchain {

namespace {

std::string shortId(std::string_view outputId) {
  // "<first 16 of the txid>…:<vout>": enough to find it, short enough for a log line.
  auto colon = outputId.rfind(':');
  if (colon == std::string_view::npos || colon <= 16) return std::string(outputId);
  return std::string(outputId.substr(0, 16)) + "…" + std::string(outputId.substr(colon));
}

}  // namespace

AddressWatcher::AddressWatcher(sdk::Host host, const PluginConfig& config, const EsploraClient& esplora,
                               WatchStore& store, AddressPool& pool)
    : host_(host), config_(config), esplora_(esplora), store_(store), pool_(pool) {}

int64_t AddressWatcher::backoffMs(uint32_t attempts) const {
  int64_t delay = config_.pollIntervalMs;
  for (uint32_t i = 0; i < attempts && delay < config_.maxPollIntervalMs; ++i) delay *= 2;
  return std::min(delay, config_.maxPollIntervalMs);
}

void AddressWatcher::lowerNextDue(int64_t atMs) {
  int64_t current = nextDueMs_.load();
  while (atMs < current && !nextDueMs_.compare_exchange_weak(current, atMs)) {
  }
}

void AddressWatcher::esploraFailed(const std::string& error, int64_t nowMs) {
  uint32_t failures = ++failures_;
  int64_t delay = backoffMs(failures - 1);
  retryAtMs_ = nowMs + delay;
  host_.count("watch_errors");
  host_.warn(error + " (retrying in " + std::to_string(delay) + " ms)");
}

void AddressWatcher::esploraAnswered() {
  failures_ = 0;
  retryAtMs_ = 0;
}

AddressWatcher::Visit::Visit(AddressWatcher& watcher, std::string address)
    : watcher_(watcher), address_(std::move(address)) {
  std::lock_guard lock(watcher_.busyMutex_);
  entered_ = watcher_.busy_.insert(address_).second;
}

AddressWatcher::Visit::~Visit() {
  if (!entered_) return;
  std::lock_guard lock(watcher_.busyMutex_);
  watcher_.busy_.erase(address_);
}

void AddressWatcher::track(const WatchRecord& record) {
  store_.add(record);
  lowerNextDue(record.nextCheckMs);
}

void AddressWatcher::tick() {
  int64_t now = nowMs();
  if (now < retryAtMs_ || now < nextDueMs_) return;
  // Rescan after one interval at the latest, whatever happens below.
  nextDueMs_ = now + config_.pollIntervalMs;
  int64_t nextAt = 0;
  auto entries = store_.due(now, kBatch, &nextAt);
  lowerNextDue(nextAt);
  ChainView chain(esplora_);
  for (const auto& entry : entries) {
    // A client's check has it: it reschedules the address itself.
    Visit visit(*this, entry.id);
    if (!visit.entered()) continue;
    auto record = store_.find(entry.id);
    // A queue entry left behind by a reschedule or a close that raced with another: drop it.
    if (!record || !record->open || record->nextCheckMs != entry.atMs) {
      store_.dropDue(entry);
      continue;
    }
    std::string error;
    if (!examine(*record, now, chain, error)) {
      // One failing Esplora costs one request per round, not one per due address; the rest stay
      // due for the next round.
      esploraFailed(error, now);
      lowerNextDue(entry.atMs);
      return;
    }
    esploraAnswered();
  }
}

Result<bool> AddressWatcher::checkNow(std::string_view address, std::string_view topupId) {
  int64_t now = nowMs();
  if (now < retryAtMs_) return false;
  Visit visit(*this, std::string(address));
  if (!visit.entered()) return false;
  auto record = store_.find(address);
  if (!record || !record->open || record->topupId != topupId || now - record->lastCheckMs < config_.pollIntervalMs)
    return false;
  ChainView chain(esplora_);
  std::string error;
  if (!examine(*record, now, chain, error)) {
    esploraFailed(error, now);
    return fail(error);
  }
  esploraAnswered();
  return true;
}

Result<AddressWatcher::Verdict> AddressWatcher::judge(const ReceivedOutput& output, ChainView& chain) {
  if (config_.confirmations == 0) return Verdict::Credit;
  if (!output.status.confirmed) return Verdict::Wait;
  auto tip = chain.tipHeight();
  if (!tip) return fail(tip.error());
  uint64_t height = output.status.blockHeight;
  // An explorer whose tip lags its own transaction index counts as no confirmation yet.
  uint64_t confirmations = *tip >= height ? *tip - height + 1 : 0;
  if (confirmations < config_.confirmations) return Verdict::Wait;
  auto hash = chain.blockHashAt(height);
  if (!hash) return fail(hash.error());
  return *hash == output.status.blockHash ? Verdict::Credit : Verdict::Reorg;
}

void AddressWatcher::report(const WatchRecord& record, const std::string& outputId, uint64_t sats, bool settled) {
  nlohmann::json event{{"topup_id", record.topupId}, {"external_id", outputId}, {"amount_msat", sats * 1000}};
  if (!settled) event["settled"] = false;
  bool fresh = host_.paymentReceived(event.dump());
  if (settled) host_.count(fresh ? "payments_reported" : "payments_rereported");
}

bool AddressWatcher::examine(WatchRecord& record, int64_t now, ChainView& chain, std::string& error) {
  record.lastCheckMs = now;
  auto history = esplora_.history(record.address, record.scriptPubKeyHex);
  if (!history) {
    error = history.error();
    return false;
  }
  const std::string where = "top-up " + record.topupId + " (address index " + std::to_string(record.index) + ")";
  bool changed = false;
  try {
    if (history->transactions > 0 && !record.received) {
      record.received = true;
      pool_.markUsed(record.index);
      changed = true;
    }
    std::set<std::string> present;
    for (const auto& output : history->outputs) {
      std::string id = output.txid + ":" + std::to_string(output.vout);
      present.insert(id);
      auto known = record.outputs.find(id);
      bool fresh = known == record.outputs.end();
      if (!fresh && known->second.state == OutputState::Credited) continue;
      auto verdict = judge(output, chain);
      if (!verdict) {
        error = verdict.error();
        store_.save(record);
        return false;
      }
      // The record changes only once the host took the report: a failed report is made again.
      if (*verdict == Verdict::Credit) {
        report(record, id, output.sats, true);
        record.outputs[id] = {output.sats, OutputState::Credited};
        changed = true;
        host_.info(where + ": credited " + std::to_string(output.sats) + " sats from " + shortId(id));
        continue;
      }
      if (fresh) {
        report(record, id, output.sats, false);
        record.outputs[id] = {output.sats, OutputState::Pending};
        changed = true;
        host_.info(where + ": " + std::to_string(output.sats) + " sats seen in " + shortId(id) +
                   (output.status.confirmed ? ", waiting for confirmations" : ", unconfirmed"));
      }
      if (*verdict == Verdict::Reorg) {
        // Look again soon: the explorer is between two chains.
        changed = true;
        host_.count("reorgs_seen");
        host_.warn(where + ": block " + output.status.blockHash.substr(0, 16) + "… at height " +
                   std::to_string(output.status.blockHeight) + " is no longer in the best chain; " + shortId(id) +
                   " waits for the new chain");
      }
    }
    // Outputs gone from a complete history before confirming were replaced or double spent.
    for (auto it = record.outputs.begin(); history->complete && it != record.outputs.end();) {
      if (it->second.state == OutputState::Pending && present.count(it->first) == 0) {
        host_.warn(where + ": " + shortId(it->first) + " left the mempool and the chain unconfirmed (replaced?)");
        it = record.outputs.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
  } catch (const std::exception& e) {
    // The host could not record a report: what was reported stays recorded, the rest is retried.
    error = std::string("recording a payment failed: ") + e.what();
    store_.save(record);
    return false;
  }

  if (now >= record.watchUntilMs && !record.waiting()) {
    store_.close(record);
    pool_.release(record.index, record.received);
    host_.debug(where + ": watch ended" + (record.received ? "" : " with nothing received; the address may be reused"));
    return true;
  }
  record.attempts = changed ? 0 : record.attempts + 1;
  int64_t at = now + backoffMs(record.attempts);
  store_.reschedule(record, at);
  lowerNextDue(at);
  return true;
}

}  // namespace turnpike::payments::onchain
