// A fake Lightning node's REST API on 127.0.0.1, port 0 (Poco HTTPServer, as Poco's own
// HTTPServerTest does), in the wire format of LNbits, LND (over TLS, with the streaming invoice
// subscription) or Core Lightning's clnrest. Knobs make it fail the ways real nodes do.
#pragma once

#include <Poco/Net/HTTPServer.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fake_node.hpp"
#include "fake_upstream.hpp"
#include "self_signed_cert.hpp"

namespace turnpike::lightning_test {

enum class Flavor { Lnbits, Lnd, Cln };

using NodeRequest = turnpike::test::RecordedRequest;

class FakeNodeServer {
 public:
  // `credential`: the API key, macaroon hex or rune the node accepts. `tls`: serve HTTPS.
  FakeNodeServer(Flavor flavor, std::string credential, const SelfSignedCert* tls = nullptr);
  ~FakeNodeServer();

  std::string url() const;
  FakeNode& node() { return node_; }

  std::vector<NodeRequest> requests() const;
  // Requests whose URI starts with `prefix`.
  size_t count(const std::string& method, const std::string& prefix) const;

  // Ends the open subscription streams now.
  void closeStreams();
  int openStreams() const { return openStreams_; }

  std::atomic<int> createStatus{0};       // answer invoice creation with this status
  std::atomic<int> lookupStatus{0};       // answer lookups with this status
  std::atomic<int> subscribeStatus{0};    // answer the LND subscription with this status
  std::atomic<bool> wrongAmount{false};   // issue invoices for one sat more than asked
  std::atomic<bool> garbage{false};       // answer invoice creation with non-JSON
  std::atomic<bool> legacyField{false};   // LNbits: payment_request instead of bolt11
  std::atomic<bool> msatSuffix{false};    // CLN: amounts as "<n>msat" strings (old clnrest)

 private:
  class Factory;
  void handle(const NodeRequest& request, Poco::Net::HTTPServerResponse& response);
  void handleLnbits(const NodeRequest& request, Poco::Net::HTTPServerResponse& response);
  void handleLnd(const NodeRequest& request, Poco::Net::HTTPServerResponse& response);
  void handleCln(const NodeRequest& request, Poco::Net::HTTPServerResponse& response);
  void streamLnd(const NodeRequest& request, Poco::Net::HTTPServerResponse& response);

  Flavor flavor_;
  std::string credential_;
  bool tls_;
  FakeNode node_;
  mutable std::mutex mutex_;
  std::vector<NodeRequest> requests_;
  std::atomic<int> streamGeneration_{0};
  std::atomic<int> openStreams_{0};
  std::atomic<bool> stopping_{false};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace turnpike::lightning_test
