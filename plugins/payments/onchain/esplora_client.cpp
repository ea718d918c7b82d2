#include "onchain/esplora_client.hpp"

#include <nlohmann/json.hpp>

#include <set>

#include <turnpike/encoding.hpp>

#include "onchain/address.hpp"

namespace turnpike::payments::onchain {

using nlohmann::json;
namespace encoding = sdk::encoding;

namespace {

// Lowercase hex of exactly `bytes` bytes, or nullopt.
std::optional<std::string> normalizedHex(const json& value, size_t bytes) {
  if (!value.is_string()) return std::nullopt;
  auto raw = encoding::hexDecode(value.get_ref<const std::string&>());
  if (!raw || (bytes > 0 && raw->size() != bytes)) return std::nullopt;
  return encoding::hexEncode(*raw);
}

std::optional<uint64_t> unsignedNumber(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

// The decimal number an endpoint answers as text (Esplora's /blocks/tip/height).
std::optional<uint64_t> textNumber(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

// An output's script: `scriptpubkey`, or failing that the script of `scriptpubkey_address`
// (servers that only name the address; bech32 and bech32m both parse).
std::optional<std::string> outputScript(const json& vout, Network network) {
  if (auto s = vout.find("scriptpubkey"); s != vout.end()) return normalizedHex(*s, 0);
  if (auto a = vout.find("scriptpubkey_address"); a != vout.end() && a->is_string()) {
    auto address = parseAddress(a->get_ref<const std::string&>(), network);
    if (address) return encoding::hexEncode(address->scriptPubKey());
  }
  return std::nullopt;
}

Result<TxStatus> readStatus(const json& tx) {
  auto it = tx.find("status");
  if (it == tx.end() || !it->is_object()) return fail("transaction without a status");
  TxStatus s;
  auto confirmed = it->find("confirmed");
  if (confirmed == it->end() || !confirmed->is_boolean()) return fail("status.confirmed is not a boolean");
  s.confirmed = confirmed->get<bool>();
  if (!s.confirmed) return s;
  auto height = unsignedNumber(*it, "block_height");
  auto hash = it->contains("block_hash") ? normalizedHex((*it)["block_hash"], 32) : std::nullopt;
  if (!height || !hash) return fail("a confirmed status needs block_height and block_hash");
  s.blockHeight = *height;
  s.blockHash = *hash;
  return s;
}

struct PageReader {
  PageReader(std::string_view script, Network network, AddressHistory& out)
      : script(script), network(network), out(out) {}

  std::string_view script;
  Network network;
  AddressHistory& out;
  std::set<std::string> txids;
  std::string lastConfirmed;  // the page's last confirmed txid (the next page's cursor)
  size_t confirmed = 0;

  // Reads one page; "" or what was wrong with it.
  std::string read(const json& page) {
    if (!page.is_array()) return "expected a JSON array of transactions";
    lastConfirmed.clear();
    confirmed = 0;
    for (const auto& tx : page) {
      if (!tx.is_object()) return "expected transaction objects";
      auto txid = tx.contains("txid") ? normalizedHex(tx["txid"], 32) : std::nullopt;
      if (!txid) return "transaction without a valid txid";
      auto status = readStatus(tx);
      if (!status) return *txid + ": " + status.error();
      if (status->confirmed) {
        ++confirmed;
        lastConfirmed = *txid;
      }
      // Pages may overlap while blocks arrive between two requests.
      if (!txids.insert(*txid).second) continue;
      ++out.transactions;
      auto vouts = tx.find("vout");
      if (vouts == tx.end() || !vouts->is_array()) return *txid + ": transaction without outputs";
      for (size_t i = 0; i < vouts->size(); ++i) {
        const json& vout = (*vouts)[i];
        if (!vout.is_object()) return *txid + ": malformed output";
        if (outputScript(vout, network) != std::optional<std::string>(std::string(script))) continue;
        auto value = unsignedNumber(vout, "value");
        if (!value) return *txid + ":" + std::to_string(i) + ": output value is not a whole number of sats";
        out.outputs.push_back({*txid, static_cast<uint32_t>(i), *value, *status});
      }
    }
    return {};
  }
};

}  // namespace

EsploraClient::EsploraClient(sdk::Host host, EsploraConfig config, Network network)
    : host_(host), config_(std::move(config)), network_(network) {}

Result<std::string> EsploraClient::get(const std::string& path) const {
  sdk::HttpRequest r;
  r.method = "GET";
  r.url = config_.url + path;
  if (!config_.token.empty()) r.headers.emplace_back("Authorization", "Bearer " + config_.token);
  r.timeoutMs = config_.timeoutMs;
  sdk::HttpResponse response = host_.http(r);
  // The host's transport message names the problem (refused, timeout, TLS) and is scrubbed of
  // configured secrets; the URL's base is left out here in case it carries a key.
  if (response.status < 0) return fail("esplora: GET " + path + " failed: " + response.error);
  if (response.status != 200) {
    std::string excerpt;
    for (char c : std::string_view(response.body).substr(0, 120)) excerpt.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
    return fail("esplora: GET " + path + " answered " + std::to_string(response.status) +
                (excerpt.empty() ? "" : ": " + excerpt));
  }
  return std::move(response.body);
}

Result<AddressHistory> EsploraClient::history(std::string_view address, std::string_view scriptPubKeyHex) const {
  AddressHistory history;
  PageReader reader(scriptPubKeyHex, network_, history);
  std::string base = "/address/" + std::string(address) + "/txs";
  std::string path = base;
  for (size_t page = 0;; ++page) {
    auto body = get(path);
    if (!body) return fail(body.error());
    std::string problem = reader.read(json::parse(*body, nullptr, false));
    if (!problem.empty()) return fail("esplora: GET " + path + ": " + problem);
    // The first page holds the mempool and the newest confirmed page; a full confirmed page
    // means there may be more.
    if (reader.confirmed < kConfirmedPageSize) break;
    if (page + 1 >= kMaxPages) {
      history.complete = false;
      break;
    }
    path = base + "/chain/" + reader.lastConfirmed;
  }
  return history;
}

Result<uint64_t> EsploraClient::tipHeight() const {
  auto body = get("/blocks/tip/height");
  if (!body) return fail(body.error());
  auto height = textNumber(*body);
  if (!height) return fail("esplora: GET /blocks/tip/height: not a block height");
  return *height;
}

Result<std::string> EsploraClient::blockHashAt(uint64_t height) const {
  std::string path = "/block-height/" + std::to_string(height);
  auto body = get(path);
  if (!body) return fail(body.error());
  std::string_view text = *body;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  auto hash = normalizedHex(json(std::string(text)), 32);
  if (!hash) return fail("esplora: GET " + path + ": not a block hash");
  return *hash;
}

}  // namespace turnpike::payments::onchain
