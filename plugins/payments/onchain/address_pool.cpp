#include "onchain/address_pool.hpp"

#include <nlohmann/json.hpp>

#include <vector>

#include <turnpike/encoding.hpp>

#include "onchain/address.hpp"
#include "onchain/state_keys.hpp"

namespace turnpike::payments::onchain {

using nlohmann::json;

namespace {

constexpr uint32_t kFirstHardened = 0x80000000;

std::optional<int64_t> decimal(const std::optional<std::string>& text) {
  if (!text || text->empty() || text->size() > 18 || text->find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoll(*text);
}

std::string where(uint32_t index) { return "address index " + std::to_string(index); }

}  // namespace

AddressPool::AddressPool(sdk::Host host, const PluginConfig& config, const EsploraClient& esplora)
    : host_(host), config_(config), esplora_(esplora) {
  auto chain = deriveChild(config.account, 0);
  if (!chain) throw std::invalid_argument("onchain config: xpub: " + chain.error());
  receiveChain_ = std::move(*chain);
}

Result<std::string> AddressPool::address(uint32_t index) const {
  auto key = deriveChild(receiveChain_, index);
  if (!key) return fail(key.error());
  return addressForKey(key->publicKey, ScriptType::P2WPKH, config_.network);
}

int64_t AddressPool::usedHigh() const { return decimal(host_.stateGet(keys::kUsedHigh)).value_or(-1); }

void AddressPool::setState(uint32_t index, std::string_view state, std::string_view topupId) {
  json claim{{"state", state}};
  if (!topupId.empty()) claim["topup_id"] = topupId;
  host_.statePut(keys::indexClaim(index), claim.dump());
}

std::optional<AddressPool::Claim> AddressPool::tryIndex(uint32_t index, std::string_view topupId, bool reused,
                                                        int& checks) {
  auto text = address(index);
  // BIP32: an index whose child key is invalid is skipped.
  if (!text) {
    host_.warn(where(index) + " has no valid key and is skipped: " + text.error());
    setState(index, "invalid");
    return std::nullopt;
  }
  // Parsing our own address back checks the encoding before anyone is asked to pay to it.
  auto parsed = parseAddress(*text, config_.network);
  if (!parsed) throw std::logic_error("derived an invalid address: " + parsed.error());
  std::string script = sdk::encoding::hexEncode(parsed->scriptPubKey());
  ++checks;
  auto history = esplora_.history(*text, script);
  if (!history) {
    host_.warn("cannot check " + where(index) + " before handing it out: " + history.error());
    // Never shown to anyone: it may serve a later top-up.
    setState(index, "free");
    host_.statePut(keys::freeIndex(index), "");
    throw TopupRefused(503, "payment_backend_unavailable",
                       "the on-chain payment backend cannot be reached; try again shortly");
  }
  if (history->transactions > 0) {
    host_.warn(where(index) + " already has transactions (is the key used elsewhere too?); skipping it");
    setState(index, "used");
    if (static_cast<int64_t>(index) > usedHigh()) host_.statePut(keys::kUsedHigh, std::to_string(index));
    return std::nullopt;
  }
  setState(index, "watching", topupId);
  return Claim{index, std::move(*text), std::move(script), reused};
}

AddressPool::Claim AddressPool::claim(std::string_view topupId) {
  std::lock_guard lock(mutex_);
  int checks = 0;
  while (checks < kMaxChecksPerClaim) {
    int64_t high = usedHigh();
    if (auto c = claimFresh(topupId, checks)) return std::move(*c);
    if (auto c = claimReleased(topupId, checks)) return std::move(*c);
    // A released index found used moves the gap: then fresh indexes may fit again.
    if (usedHigh() == high) break;
  }
  throw TopupRefused(503, "payment_method_exhausted",
                     "every on-chain address within the wallet's gap limit (" + std::to_string(config_.gapLimit) +
                         ") is waiting for a payment; try again later");
}

std::optional<AddressPool::Claim> AddressPool::claimFresh(std::string_view topupId, int& checks) {
  // Fresh indexes first: an address nobody saw before cannot receive a late payment meant for
  // another top-up.
  auto next = static_cast<uint32_t>(decimal(host_.stateGet(keys::kNextIndex)).value_or(0));
  while (next < kFirstHardened && static_cast<int64_t>(next) < usedHigh() + 1 + config_.gapLimit &&
         checks < kMaxChecksPerClaim) {
    uint32_t index = next++;
    // The atomic claim: a key that exists belongs to someone else.
    if (!host_.stateInsert(keys::indexClaim(index), json{{"state", "watching"}, {"topup_id", topupId}}.dump()))
      continue;
    host_.statePut(keys::kNextIndex, std::to_string(next));
    if (auto c = tryIndex(index, topupId, false, checks)) return c;
  }
  return std::nullopt;
}

std::optional<AddressPool::Claim> AddressPool::claimReleased(std::string_view topupId, int& checks) {
  // Indexes whose watch ended with nothing received, lowest first.
  std::vector<uint32_t> released;
  host_.stateScan(keys::kFreePrefix, [&](std::string_view key, std::string_view) {
    uint32_t index = 0;
    if (keys::parseFreeIndex(key, index)) released.push_back(index);
    return released.size() < static_cast<size_t>(kMaxChecksPerClaim);
  });
  for (uint32_t index : released) {
    if (checks >= kMaxChecksPerClaim) break;
    host_.stateDelete(keys::freeIndex(index));
    json claim = json::parse(host_.stateGet(keys::indexClaim(index)).value_or("{}"), nullptr, false);
    if (!claim.is_object() || claim.value("state", "") != "free") continue;  // a stale entry
    if (auto c = tryIndex(index, topupId, true, checks)) return c;
  }
  return std::nullopt;
}

void AddressPool::markUsed(uint32_t index) {
  std::lock_guard lock(mutex_);
  if (static_cast<int64_t>(index) > usedHigh()) host_.statePut(keys::kUsedHigh, std::to_string(index));
}

void AddressPool::release(uint32_t index, bool used) {
  std::lock_guard lock(mutex_);
  setState(index, used ? "used" : "free");
  if (!used) host_.statePut(keys::freeIndex(index), "");
}

}  // namespace turnpike::payments::onchain
