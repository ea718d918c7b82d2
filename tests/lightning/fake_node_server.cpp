#include "fake_node_server.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <nlohmann/json.hpp>

#include <thread>

#include <turnpike/encoding.hpp>

namespace turnpike::lightning_test {

using nlohmann::json;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
namespace encoding = turnpike::sdk::encoding;

namespace {

void send(HTTPServerResponse& response, int status, const std::string& body,
          const std::string& type = "application/json") {
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType(type);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

void sendJson(HTTPServerResponse& response, int status, const json& body) { send(response, status, body.dump()); }

std::string b64(const std::string& hex) { return encoding::base64Encode(*encoding::hexDecode(hex)); }

std::string header(const NodeRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

// "settle_index=5" out of "/v1/invoices/subscribe?settle_index=5&add_index=0".
uint64_t queryNumber(const std::string& uri, const std::string& name) {
  auto q = uri.find('?');
  if (q == std::string::npos) return 0;
  std::string query = uri.substr(q + 1);
  auto at = query.find(name + "=");
  if (at == std::string::npos) return 0;
  return std::strtoull(query.c_str() + at + name.size() + 1, nullptr, 10);
}

const char* lndState(FakeState s) {
  switch (s) {
    case FakeState::Open: return "OPEN";
    case FakeState::Settled: return "SETTLED";
    case FakeState::Canceled: return "CANCELED";
    case FakeState::Accepted: return "ACCEPTED";
  }
  return "OPEN";
}

json lndInvoice(const FakeInvoice& inv) {
  bool settled = inv.state == FakeState::Settled;
  return json{{"memo", inv.memo},
              {"r_preimage", b64(inv.preimage)},
              {"r_hash", b64(inv.hash)},
              {"value", std::to_string(inv.amountMsat / 1000)},
              {"value_msat", std::to_string(inv.amountMsat)},
              {"settled", settled},
              {"creation_date", std::to_string(inv.createdAt)},
              {"settle_date", settled ? "1700000000" : "0"},
              {"payment_request", inv.bolt11},
              {"expiry", std::to_string(inv.expiresAt - inv.createdAt)},
              {"add_index", std::to_string(inv.addIndex)},
              {"settle_index", std::to_string(inv.settleIndex)},
              {"amt_paid_sat", std::to_string(inv.paidMsat / 1000)},
              {"amt_paid_msat", std::to_string(inv.paidMsat)},
              {"state", lndState(inv.state)}};
}

}  // namespace

class FakeNodeServer::Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(FakeNodeServer& owner) : owner_(owner) {}

  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(FakeNodeServer& owner) : owner_(owner) {}
    void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
      NodeRequest r = turnpike::test::readRequest(request);
      {
        std::lock_guard lock(owner_.mutex_);
        owner_.requests_.push_back(r);
      }
      try {
        owner_.handle(r, response);
      } catch (const std::exception&) {
        // The client went away mid-stream.
      }
    }

   private:
    FakeNodeServer& owner_;
  };

  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override { return new Handler(owner_); }

 private:
  FakeNodeServer& owner_;
};

FakeNodeServer::FakeNodeServer(Flavor flavor, std::string credential, const SelfSignedCert* tls)
    : flavor_(flavor), credential_(std::move(credential)), tls_(tls != nullptr) {
  Poco::Net::SocketAddress address("127.0.0.1", 0);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(16);
  params->setKeepAlive(true);
  if (tls != nullptr) {
    static const bool initialized = [] {
      Poco::Net::initializeSSL();
      return true;
    }();
    (void)initialized;
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, tls->keyFile(),
                                                             tls->certFile(), "", Poco::Net::Context::VERIFY_NONE);
    Poco::Net::SecureServerSocket socket(address, 64, context);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  } else {
    Poco::Net::ServerSocket socket(address);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  }
  server_->start();
}

FakeNodeServer::~FakeNodeServer() {
  stopping_ = true;
  closeStreams();
  server_->stopAll(true);
  // Handlers still inside a stream notice `stopping_` within one wait.
  while (openStreams_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

std::string FakeNodeServer::url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(server_->port());
}

std::vector<NodeRequest> FakeNodeServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t FakeNodeServer::count(const std::string& method, const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& r : requests_)
    if (r.method == method && r.uri.rfind(prefix, 0) == 0) ++n;
  return n;
}

void FakeNodeServer::closeStreams() {
  ++streamGeneration_;
  node_.wakeAll();
}

void FakeNodeServer::handle(const NodeRequest& request, HTTPServerResponse& response) {
  switch (flavor_) {
    case Flavor::Lnbits: return handleLnbits(request, response);
    case Flavor::Lnd: return handleLnd(request, response);
    case Flavor::Cln: return handleCln(request, response);
  }
}

void FakeNodeServer::handleLnbits(const NodeRequest& r, HTTPServerResponse& response) {
  if (header(r, "x-api-key") != credential_) return sendJson(response, 401, {{"detail", "Invalid key"}});
  const std::string payments = "/api/v1/payments";
  if (r.method == "POST" && r.uri == payments) {
    if (createStatus) return sendJson(response, createStatus, {{"detail", "wallet is locked"}});
    if (garbage) return send(response, 201, "<html>oops</html>", "text/html");
    json body = json::parse(r.body);
    if (body.at("out") != false || body.at("unit") != "sat") return sendJson(response, 400, {{"detail", "bad request"}});
    uint64_t msat = body.at("amount").get<uint64_t>() * 1000 + (wrongAmount ? 1000 : 0);
    auto inv = node_.create(msat, body.value("memo", ""), body.value("expiry", 3600));
    json reply{{"payment_hash", inv.hash}, {"checking_id", inv.hash}};
    reply[legacyField ? "payment_request" : "bolt11"] = inv.bolt11;
    return sendJson(response, 201, reply);
  }
  if (r.method == "GET" && r.uri.rfind(payments + "/", 0) == 0) {
    if (lookupStatus) return sendJson(response, lookupStatus, {{"detail", "database is down"}});
    auto inv = node_.find(r.uri.substr(payments.size() + 1));
    if (!inv) return sendJson(response, 404, {{"detail", "Payment does not exist."}});
    bool paid = inv->state == FakeState::Settled;
    json details{{"checking_id", inv->hash},
                 {"amount", paid ? inv->paidMsat : inv->amountMsat},
                 {"memo", inv->memo},
                 {"status", paid ? "success" : "pending"},
                 {"bolt11", inv->bolt11}};
    return sendJson(response, 200, {{"paid", paid}, {"preimage", paid ? inv->preimage : std::string(64, '0')}, {"details", details}});
  }
  sendJson(response, 404, {{"detail", "Not Found"}});
}

void FakeNodeServer::handleLnd(const NodeRequest& r, HTTPServerResponse& response) {
  if (header(r, "grpc-metadata-macaroon") != credential_)
    return sendJson(response, 500, {{"code", 2}, {"message", "verification failed: signature mismatch after caveat verification"}});
  if (r.method == "POST" && r.uri == "/v1/invoices") {
    if (createStatus) return sendJson(response, createStatus, {{"code", 2}, {"message", "invoice creation failed"}});
    if (garbage) return send(response, 200, "not json", "text/plain");
    json body = json::parse(r.body);
    uint64_t msat = std::stoull(body.at("value_msat").get<std::string>()) + (wrongAmount ? 1000 : 0);
    auto inv = node_.create(msat, body.value("memo", ""), std::stoll(body.at("expiry").get<std::string>()));
    return sendJson(response, 200,
                    {{"r_hash", b64(inv.hash)},
                     {"payment_request", inv.bolt11},
                     {"add_index", std::to_string(inv.addIndex)},
                     {"payment_addr", b64(std::string(64, '1'))}});
  }
  if (r.method == "GET" && r.uri.rfind("/v1/invoice/", 0) == 0) {
    if (lookupStatus) return sendJson(response, lookupStatus, {{"code", 2}, {"message", "lookup failed"}});
    auto inv = node_.find(r.uri.substr(std::string("/v1/invoice/").size()));
    if (!inv) return sendJson(response, 404, {{"code", 5}, {"message", "unable to locate invoice"}, {"details", json::array()}});
    return sendJson(response, 200, lndInvoice(*inv));
  }
  if (r.method == "GET" && r.uri.rfind("/v1/invoices/subscribe", 0) == 0) return streamLnd(r, response);
  sendJson(response, 404, {{"code", 5}, {"message", "Not Found"}});
}

void FakeNodeServer::streamLnd(const NodeRequest& r, HTTPServerResponse& response) {
  if (subscribeStatus) return sendJson(response, subscribeStatus, {{"code", 2}, {"message", "subscription unavailable"}});
  int generation = streamGeneration_;
  // settle_index 0 asks for new settlements only; a higher one replays those after it.
  uint64_t settleCursor = queryNumber(r.uri, "settle_index");
  if (settleCursor == 0) settleCursor = node_.lastSettleIndex();
  uint64_t addCursor = node_.lastAddIndex();
  ++openStreams_;
  struct Done {
    std::atomic<int>& n;
    ~Done() { --n; }
  } done{openStreams_};
  response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
  response.setContentType("application/json");
  response.setChunkedTransferEncoding(true);
  std::ostream& out = response.send();
  out.flush();
  while (!stopping_ && streamGeneration_ == generation) {
    // Additions appear as OPEN invoices, as LND streams them; the plugin must ignore them.
    for (const auto& inv : node_.addedAfter(addCursor)) {
      FakeInvoice added = inv;
      added.state = FakeState::Open;
      added.paidMsat = 0;
      added.settleIndex = 0;
      out << json{{"result", lndInvoice(added)}}.dump() << "\n";
      addCursor = inv.addIndex;
    }
    for (const auto& inv : node_.settledAfter(settleCursor)) {
      out << json{{"result", lndInvoice(inv)}}.dump() << "\n";
      settleCursor = inv.settleIndex;
    }
    out.flush();
    if (!out.good()) return;
    node_.waitForSettlement(settleCursor, std::chrono::milliseconds(100));
  }
}

void FakeNodeServer::handleCln(const NodeRequest& r, HTTPServerResponse& response) {
  if (header(r, "rune") != credential_)
    return sendJson(response, 401, {{"code", 1501}, {"message", "Not authorized: Not derived from master"}});
  auto amount = [this](uint64_t msat) { return msatSuffix ? json(std::to_string(msat) + "msat") : json(msat); };
  if (r.method == "POST" && r.uri == "/v1/invoice") {
    if (createStatus) return sendJson(response, createStatus, {{"code", 900}, {"message", "Duplicate label"}});
    if (garbage) return send(response, 201, "", "application/json");
    json body = json::parse(r.body);
    uint64_t msat = body.at("amount_msat").get<uint64_t>() + (wrongAmount ? 1000 : 0);
    auto inv = node_.create(msat, body.at("description"), body.at("expiry"), body.at("label"));
    return sendJson(response, 201,
                    {{"payment_hash", inv.hash},
                     {"expires_at", inv.expiresAt},
                     {"bolt11", inv.bolt11},
                     {"payment_secret", std::string(64, '2')},
                     {"created_index", inv.addIndex}});
  }
  if (r.method == "POST" && r.uri == "/v1/listinvoices") {
    if (lookupStatus) return sendJson(response, lookupStatus, {{"code", -32602}, {"message", "lookup failed"}});
    json body = json::parse(r.body);
    json list = json::array();
    if (auto inv = node_.find(body.value("payment_hash", ""))) {
      const char* status = inv->state == FakeState::Settled ? "paid"
                           : inv->state == FakeState::Canceled ? "expired"
                                                               : "unpaid";
      json entry{{"label", inv->label},
                 {"bolt11", inv->bolt11},
                 {"payment_hash", inv->hash},
                 {"amount_msat", amount(inv->amountMsat)},
                 {"status", status},
                 {"description", inv->memo},
                 {"expires_at", inv->expiresAt}};
      if (inv->state == FakeState::Settled) {
        entry["amount_received_msat"] = amount(inv->paidMsat);
        entry["payment_preimage"] = inv->preimage;
        entry["pay_index"] = inv->settleIndex;
      }
      list.push_back(entry);
    }
    return sendJson(response, 200, {{"invoices", list}});
  }
  sendJson(response, 404, {{"code", -32601}, {"message", "Unknown command"}});
}

}  // namespace turnpike::lightning_test
