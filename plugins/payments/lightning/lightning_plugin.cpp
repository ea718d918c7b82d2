// lightning: the Lightning payment method. Top-ups by BOLT11 invoice (watched until paid, late
// payments included, and reported to the host once settled) and L402 pay-per-request
// (challenge + authorize), over a dev node, LNbits, LND or Core Lightning.
#include <turnpike/plugin.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>

#include "common/clock.hpp"
#include "common/json_fields.hpp"
#include "lightning/backend.hpp"
#include "lightning/cln_backend.hpp"
#include "lightning/dev_backend.hpp"
#include "lightning/dev_pay_route.hpp"
#include "lightning/invoice_store.hpp"
#include "lightning/invoice_watcher.hpp"
#include "lightning/l402_service.hpp"
#include "lightning/lnbits_backend.hpp"
#include "lightning/lnd_backend.hpp"
#include "lightning/lnd_subscription.hpp"
#include "lightning/plugin_config.hpp"
#include "lightning/settled_invoices.hpp"

namespace turnpike::payments::lightning {

namespace {

using nlohmann::json;

bool isPaymentHash(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

class LightningPayments final : public sdk::PaymentMethod {
 public:
  LightningPayments(sdk::Host host, std::string_view configJson)
      : host_(host),
        config_(PluginConfig::parse(configJson)),
        backend_(makeBackend()),
        store_(host),
        settled_(host),
        watcher_(host, *backend_, store_, settled_, config_.watchAfterExpirySeconds),
        l402_(host, config_, *backend_, settled_) {
    if (auto* lnd = dynamic_cast<LndBackend*>(backend_.get()); lnd != nullptr && config_.lndStream.subscribe) {
      subscription_ = std::make_unique<LndSubscription>(
          lnd->client(), config_.lndStream.windowSeconds,
          [this](std::string_view hash, uint64_t amount) { watcher_.settledByNode(hash, amount); });
    }
  }

  std::string describe() override {
    // USD amounts are converted to msat by the gateway (billing.rates.usd_per_btc).
    return json{{"currencies", {"SATS", "BTC", "USD"}},
                {"min_msat", config_.topupMinMsat},
                {"max_msat", config_.topupMaxMsat},
                {"confirmation", "instant"},
                {"l402", config_.l402.enabled},
                {"l402_reuse", reuseName(config_.l402.reuse)},
                {"backend", backendName(config_.backend)}}
        .dump();
  }

  std::string routes() override { return dev_ != nullptr ? devPayRoutes() : "[]"; }

  std::string http(std::string_view request) override {
    if (dev_ == nullptr) throw std::runtime_error("lightning: no routes on this backend");
    return handleDevPay(*dev_, watcher_, request);
  }

  std::string topupCreate(std::string_view topupJson) override {
    json topup = parseObject(topupJson, "topup");
    std::string topupId = stringField(topup, "topup_id");
    if (topupId.empty()) throw std::invalid_argument("topup: topup_id is required");
    uint64_t amountMsat = amountMsatField(topup, "topup");
    if (amountMsat < config_.topupMinMsat || amountMsat > config_.topupMaxMsat)
      throw std::invalid_argument("topup: amount_msat must be between " + std::to_string(config_.topupMinMsat) +
                                  " and " + std::to_string(config_.topupMaxMsat));

    // The invoice must not outlive the top-up: expire by the requested time at the latest.
    int64_t now = nowMs();
    int64_t expiry = config_.invoiceExpirySeconds;
    int64_t requestedMs = 0;
    if (auto e = topup.find("expires_at"); e != topup.end() && e->is_number_integer()) {
      requestedMs = e->get<int64_t>();
      int64_t available = (requestedMs - now) / 1000;
      if (available < 1) throw std::invalid_argument("topup: expires_at is not in the future");
      expiry = std::min(expiry, available);
    }
    std::string memo = stringField(topup, "description");
    if (memo.empty()) memo = "Turnpike top-up";

    auto invoice = backend_->createInvoice({amountMsat, clampMemo(memo), expiry});
    if (!invoice) throw std::runtime_error(invoice.error());
    watcher_.track(*invoice, InvoiceKind::Topup, topupId);
    host_.count("topup_invoices");

    int64_t expiresAtMs = invoice->expiresAt * 1000;
    // A node whose clock runs ahead may stamp a later expiry; the top-up still ends on time.
    if (requestedMs > 0) expiresAtMs = std::min(expiresAtMs, requestedMs);
    return json{{"external_ref", invoice->paymentHash},
                {"expires_at", expiresAtMs},
                {"details",
                 {{"payment_request", invoice->bolt11},
                  {"payment_hash", invoice->paymentHash},
                  {"amount_sats", (invoice->amountMsat + 999) / 1000},
                  {"amount_msat", invoice->amountMsat}}}}
        .dump();
  }

  void topupCheck(std::string_view topupJson) override {
    json topup = parseObject(topupJson, "topup");
    std::string hash = stringField(topup, "external_ref");
    if (!isPaymentHash(hash)) throw std::invalid_argument("topup: external_ref is not a payment hash");
    auto status = watcher_.checkNow(hash, stringField(topup, "topup_id"));
    if (!status) throw std::runtime_error(status.error());
  }

  std::string challenge(std::string_view request) override { return l402_.challenge(request); }
  std::string authorize(std::string_view request) override { return l402_.authorize(request); }

  void tick() override { watcher_.tick(); }

 private:
  std::unique_ptr<Backend> makeBackend() {
    switch (config_.backend) {
      case BackendKind::Dev: {
        auto dev = std::make_unique<DevBackend>(host_);
        dev_ = dev.get();
        return dev;
      }
      case BackendKind::Lnbits: return std::make_unique<LnbitsBackend>(host_, config_.node);
      case BackendKind::Lnd: return std::make_unique<LndBackend>(host_, config_.node);
      case BackendKind::Cln: return std::make_unique<ClnBackend>(host_, config_.node);
    }
    throw std::logic_error("unhandled backend");
  }

  sdk::Host host_;
  PluginConfig config_;
  DevBackend* dev_ = nullptr;  // set by makeBackend() when the backend is dev
  std::unique_ptr<Backend> backend_;
  InvoiceStore store_;
  SettledInvoices settled_;
  InvoiceWatcher watcher_;
  L402Service l402_;
  // Last: its thread calls into the members above, so it stops first.
  std::unique_ptr<LndSubscription> subscription_;
};

}  // namespace

}  // namespace turnpike::payments::lightning

TURNPIKE_PAYMENT_PLUGIN(turnpike::payments::lightning::LightningPayments, "lightning", "1.0.0",
                        turnpike::payments::lightning::kConfigSchema, 1000)
