#include "pipeline/identify_stage.hpp"

#include <algorithm>

#include "billing/api_keys.hpp"
#include "http/api_error.hpp"
#include "http/router.hpp"
#include "net/address_ranges.hpp"
#include "pipeline/refusals.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"

namespace turnpike::pipeline {

namespace {
// Beyond this many remembered keys per shard, expired ones are swept before adding.
constexpr size_t kShardSweepAt = 4096;

// "L402 ..." or "LSAT ..." (any case), else nullopt.
std::optional<std::string> l402Authorization(const http::Request& request) {
  auto auth = request.header("authorization");
  if (!auth) return std::nullopt;
  std::string_view v = util::trim(*auth);
  if (v.size() > 5 && (util::iequals(v.substr(0, 5), "L402 ") || util::iequals(v.substr(0, 5), "LSAT ")))
    return std::string(v);
  return std::nullopt;
}
}  // namespace

std::optional<std::string> presentedKey(const http::Request& request) {
  if (auto auth = request.header("authorization")) {
    std::string_view v = util::trim(*auth);
    if (v.size() >= 6 && util::iequals(v.substr(0, 6), "bearer")) {
      std::string_view token = util::trim(v.substr(6));
      if (billing::hasKeyFormat(token)) return std::string(token);
    }
  }
  // Anthropic's clients send their key here (the SDK's apiKey, Claude Code's ANTHROPIC_API_KEY).
  if (auto apiKey = request.header("x-api-key")) {
    std::string_view token = util::trim(*apiKey);
    if (billing::hasKeyFormat(token)) return std::string(token);
  }
  if (auto spend = request.header("x-spend-token")) {
    std::string_view token = util::trim(*spend);
    if (billing::hasKeyFormat(token)) return std::string(token);
  }
  return std::nullopt;
}

std::string clientBucket(const http::Request& request) {
  const std::string& client = request.clientAddress.empty() ? request.peerAddress : request.clientAddress;
  auto address = net::parseAddress(client);
  if (!address) return client;
  std::string text = net::formatAddress(*address);
  if (text.find(':') == std::string::npos) return text;  // IPv4 (mapped ones included)
  std::fill(address->begin() + 8, address->end(), 0);
  return net::formatAddress(*address) + "/64";
}

std::string anonymousIdentity(const http::Request& request) { return "anon:" + clientBucket(request); }

bool IdentifyStage::cached(Identity& identity) {
  Shard& shard = shardFor(identity.keyHash);
  std::lock_guard lock(shard.mutex);
  auto it = shard.keys.find(identity.keyHash);
  if (it == shard.keys.end() || it->second.expires <= std::chrono::steady_clock::now()) return false;
  identity.accountId = it->second.accountId;
  identity.tier = it->second.tier;
  return true;
}

void IdentifyStage::remember(const Identity& identity) {
  Shard& shard = shardFor(identity.keyHash);
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(shard.mutex);
  if (shard.keys.size() >= kShardSweepAt) std::erase_if(shard.keys, [&](const auto& e) { return e.second.expires <= now; });
  shard.keys[identity.keyHash] = CachedKey{identity.accountId, identity.tier, now + kKeyTtl};
}

void IdentifyStage::run(const std::shared_ptr<http::Exchange>& exchange, std::function<void(Identity)> next) {
  const http::Request& request = exchange->request();
  Identity identity;
  if (billing_ == nullptr) {
    next(std::move(identity));
    return;
  }
  if (l402_) {
    if (auto authorization = l402Authorization(request)) {
      identity.kind = Identity::Kind::L402;
      // A reusable credential is limited like a key: the same header, the same budget.
      identity.rateIdentity = "l402:" + util::sha256Hex(*authorization).substr(0, 32);
      identity.authorization = std::move(*authorization);
      next(std::move(identity));
      return;
    }
  }
  auto key = presentedKey(request);
  if (!key) {
    identity.rateIdentity = anonymousIdentity(request);
    next(std::move(identity));
    return;
  }
  identity.kind = Identity::Kind::Key;
  identity.keyHash = billing::hashKey(*key);
  identity.rateIdentity = "key:" + identity.keyHash.substr(0, 32);
  if (cached(identity)) {
    next(std::move(identity));
    return;
  }
  bool queued = offload_([this, exchange, identity = std::move(identity), next = std::move(next)]() mutable {
    std::optional<http::Response> refused;
    try {
      auto a = billing_->authenticate(identity.keyHash, "inference");
      if (a.refusal == billing::Refusal::None) {
        identity.accountId = a.key.accountId;
        identity.tier = a.tier;
        remember(identity);
      } else {
        refused = refusalResponse(a.refusal, 0, unit_);
      }
    } catch (...) {
      refused = http::guarded([]() -> http::Response { throw; });
    }
    exchange->loop().post([exchange, identity = std::move(identity), next = std::move(next),
                           refused = std::move(refused)]() mutable {
      if (refused) {
        exchange->respond(std::move(*refused));
        return;
      }
      http::continueGuarded(*exchange, [&] { next(std::move(identity)); });
    });
  });
  if (!queued) exchange->respond(http::busyResponse());
}

}  // namespace turnpike::pipeline
