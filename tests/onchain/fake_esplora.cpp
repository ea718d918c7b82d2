#include "fake_esplora.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <random>
#include <stdexcept>

#include <turnpike/encoding.hpp>

#include "onchain/address.hpp"

namespace turnpike::onchain_test {

using nlohmann::json;

namespace {

constexpr size_t kMempoolPage = 50;
constexpr size_t kChainPage = 25;

std::string scriptOf(const std::string& address, payments::Network network) {
  auto parsed = payments::onchain::parseAddress(address, network);
  if (!parsed) throw std::invalid_argument("fake esplora: " + parsed.error());
  return sdk::encoding::hexEncode(parsed->scriptPubKey());
}

void sendText(Poco::Net::HTTPServerResponse& response, int status, const std::string& body) {
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("text/plain");
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

}  // namespace

std::string randomHex32() {
  static std::mutex mutex;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mutex);
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    uint64_t v = rng();
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  }
  return sdk::encoding::hexEncode(bytes);
}

FakeEsplora::FakeEsplora(payments::Network network, uint64_t height)
    : network_(network),
      base_(height),
      chain_{randomHex32()},
      server_([this](const test::RecordedRequest& r, Poco::Net::HTTPServerResponse& response) { handle(r, response); }) {}

std::string FakeEsplora::url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/api"; }

std::string FakeEsplora::pay(const std::vector<std::pair<std::string, uint64_t>>& outputs) {
  Tx tx;
  tx.txid = randomHex32();
  // Change to someone else first, so the paid outputs are not at vout 0: BIP350's taproot
  // vectors, whose bech32m addresses a client must parse (and not match) when servers name
  // outputs by address only.
  std::string change = network_ == payments::Network::Mainnet
                           ? "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
                       : network_ == payments::Network::Regtest
                           ? ""
                           : "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c";
  std::string changeScript = change.empty() ? "0014" + randomHex32().substr(0, 40) : scriptOf(change, network_);
  tx.outputs.push_back({change, changeScript, 12'345});
  for (const auto& [address, sats] : outputs) tx.outputs.push_back({address, scriptOf(address, network_), sats});
  std::lock_guard lock(mutex_);
  tx.sequence = ++sequence_;
  txs_.push_back(tx);
  return tx.txid;
}

void FakeEsplora::mine(int count) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < count; ++i) {
    chain_.push_back(randomHex32());
    if (i > 0) continue;
    for (auto& tx : txs_) {
      if (tx.height) continue;
      tx.height = base_ + chain_.size() - 1;
      tx.blockHash = chain_.back();
    }
  }
}

void FakeEsplora::reorg(uint64_t height, int extra) {
  std::lock_guard lock(mutex_);
  if (height <= base_ || height > base_ + chain_.size() - 1) throw std::invalid_argument("fake esplora: no such height");
  for (size_t i = height - base_; i < chain_.size(); ++i) chain_[i] = randomHex32();
  for (int i = 0; i < extra; ++i) chain_.push_back(randomHex32());
}

void FakeEsplora::include(const std::string& txid, std::optional<uint64_t> height) {
  std::lock_guard lock(mutex_);
  for (auto& tx : txs_) {
    if (tx.txid != txid) continue;
    tx.height = height;
    tx.blockHash = height ? chain_.at(*height - base_) : "";
  }
}

void FakeEsplora::drop(const std::string& txid) {
  std::lock_guard lock(mutex_);
  txs_.erase(std::remove_if(txs_.begin(), txs_.end(), [&](const Tx& tx) { return tx.txid == txid; }), txs_.end());
}

uint64_t FakeEsplora::tip() const {
  std::lock_guard lock(mutex_);
  return base_ + chain_.size() - 1;
}

std::string FakeEsplora::blockHash(uint64_t height) const {
  std::lock_guard lock(mutex_);
  return chain_.at(height - base_);
}

size_t FakeEsplora::requestCount(const std::string& prefix) const {
  size_t n = 0;
  for (const auto& r : server_.requests())
    if (r.uri.rfind("/api" + prefix, 0) == 0) ++n;
  return n;
}

std::string FakeEsplora::txJson(const Tx& tx) const {
  json vout = json::array();
  uint64_t total = 0;
  for (const auto& o : tx.outputs) {
    bool taproot = o.scriptHex.substr(0, 4) == "5120";
    json out{{"scriptpubkey_type", taproot ? "v1_p2tr" : "v0_p2wpkh"}, {"value", o.sats}};
    if (!addressesOnly) {
      out["scriptpubkey"] = o.scriptHex;
      out["scriptpubkey_asm"] =
          (taproot ? "OP_PUSHNUM_1 OP_PUSHBYTES_32 " : "OP_0 OP_PUSHBYTES_20 ") + o.scriptHex.substr(4);
    }
    if (!o.address.empty()) out["scriptpubkey_address"] = o.address;
    vout.push_back(std::move(out));
    total += o.sats;
  }
  json status = tx.height ? json{{"confirmed", true},
                                 {"block_height", *tx.height},
                                 {"block_hash", tx.blockHash},
                                 {"block_time", 1'700'000'000 + *tx.height * 600}}
                          : json{{"confirmed", false}};
  json vin = json::array({{{"txid", randomHex32()},
                           {"vout", 0},
                           {"prevout", {{"scriptpubkey", "0014" + randomHex32().substr(0, 40)},
                                        {"scriptpubkey_type", "v0_p2wpkh"},
                                        {"value", total + 141}}},
                           {"scriptsig", ""},
                           {"scriptsig_asm", ""},
                           {"witness", json::array({"30440220" + randomHex32(), "02" + randomHex32()})},
                           {"is_coinbase", false},
                           {"sequence", 4294967293u}}});
  return json{{"txid", tx.txid}, {"version", 2},  {"locktime", 0},     {"vin", vin},  {"vout", vout},
              {"size", 222},     {"weight", 561}, {"fee", 141},        {"status", status}}
      .dump();
}

std::string FakeEsplora::addressTxs(const std::string& address, const std::string& lastSeen, bool chainOnly) const {
  std::vector<const Tx*> mempool, confirmed;
  for (const auto& tx : txs_) {
    bool pays = std::any_of(tx.outputs.begin(), tx.outputs.end(), [&](const Output& o) { return o.address == address; });
    if (pays) (tx.height ? confirmed : mempool).push_back(&tx);
  }
  // Newest first.
  std::sort(mempool.begin(), mempool.end(), [](const Tx* a, const Tx* b) { return a->sequence > b->sequence; });
  std::sort(confirmed.begin(), confirmed.end(), [](const Tx* a, const Tx* b) {
    return *a->height != *b->height ? *a->height > *b->height : a->sequence > b->sequence;
  });
  std::string out = "[";
  auto add = [&](const Tx* tx) {
    if (out.size() > 1) out += ",";
    out += txJson(*tx);
  };
  if (!chainOnly)
    for (size_t i = 0; i < mempool.size() && i < kMempoolPage; ++i) add(mempool[i]);
  size_t start = 0;
  if (!lastSeen.empty()) {
    while (start < confirmed.size() && confirmed[start]->txid != lastSeen) ++start;
    ++start;
  }
  for (size_t i = start; i < confirmed.size() && i < start + kChainPage; ++i) add(confirmed[i]);
  return out + "]";
}

void FakeEsplora::handle(const test::RecordedRequest& r, Poco::Net::HTTPServerResponse& response) {
  if (int status = failStatus.load(); status != 0) return sendText(response, status, "explorer unavailable");
  std::string path = r.uri.rfind("/api/", 0) == 0 ? r.uri.substr(4) : std::string();
  std::lock_guard lock(mutex_);
  if (r.method == "GET" && path == "/blocks/tip/height") return sendText(response, 200, std::to_string(base_ + chain_.size() - 1));
  if (r.method == "GET" && path.rfind("/block-height/", 0) == 0) {
    uint64_t height = std::stoull(path.substr(14));
    if (height < base_ || height > base_ + chain_.size() - 1) return sendText(response, 404, "Block not found");
    return sendText(response, 200, chain_[height - base_]);
  }
  if (r.method == "GET" && path.rfind("/address/", 0) == 0) {
    std::string rest = path.substr(9);
    auto slash = rest.find('/');
    std::string address = rest.substr(0, slash);
    std::string tail = slash == std::string::npos ? "" : rest.substr(slash);
    if (tail == "/txs") return test::FakeUpstream::sendJson(response, 200, addressTxs(address, "", false));
    if (tail == "/txs/chain") return test::FakeUpstream::sendJson(response, 200, addressTxs(address, "", true));
    if (tail.rfind("/txs/chain/", 0) == 0)
      return test::FakeUpstream::sendJson(response, 200, addressTxs(address, tail.substr(11), true));
  }
  sendText(response, 404, "not found");
}

}  // namespace turnpike::onchain_test
