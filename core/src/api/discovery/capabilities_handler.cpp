#include "api/discovery/capabilities_handler.hpp"

#include "app/version.hpp"

namespace turnpike::api {

using nlohmann::json;

CapabilitiesHandler::CapabilitiesHandler(const ModelsHandler& models, const pipeline::ModelCatalog& catalog,
                                         const config::Config& config, const billing::TopupService* topups) {
  json modelList = json::array();
  for (const auto& id : catalog.ids()) modelList.push_back(models.modelObject(id));
  json payments{{"billing", config.billing.enabled}};
  json auth = json::array({{{"scheme", "none"}, {"for", "models priced 0"}, {"enabled", config.billing.anonymous}}});
  if (config.billing.enabled) {
    auth.push_back({{"scheme", "api_key"}, {"header", "Authorization: Bearer <key>"}, {"alias", "X-Spend-Token: <key>"}});
    payments["unit"] = config.billing.unit;
    payments["markup"] = static_cast<double>(config.billing.markupPpm) / 1e6;
    payments["signup"] = config.billing.signupOpen ? json{{"endpoint", "POST /v1/accounts"}} : json(nullptr);
  }
  if (topups != nullptr) {
    json methods = json::array();
    for (const auto& m : topups->methods()) {
      json entry = m.description;
      entry["method"] = m.method->name();
      entry["endpoint"] = "POST /v1/topup/" + m.method->name();
      methods.push_back(entry);
      if (m.description.value("l402", false)) {
        std::string reuse = m.description.value("l402_reuse", "single_use");
        payments["l402"] = {
            {"method", m.method->name()},
            {"reuse", reuse},
            {"challenge", "402 with WWW-Authenticate: L402 macaroon=\"<base64>\", invoice=\"<bolt11>\" and a JSON body "
                          "{\"error\", \"payment\": {\"payment_request\", \"payment_hash\", \"amount_sats\", "
                          "\"amount_msat\", \"expires_at\"}}"},
            {"credential", "Authorization: L402 <macaroon>:<preimage hex>"},
            {"flow",
             {"call a paid endpoint without credentials", "receive 402 with an invoice and a macaroon",
              "pay the invoice, keep the preimage", "retry with Authorization: L402 <macaroon>:<preimage>"}}};
        auth.push_back({{"scheme", "l402"}, {"header", "Authorization: L402 <macaroon>:<preimage>"}, {"reuse", reuse}});
      }
    }
    payments["topup"] = {{"methods", methods},
                         {"create", "POST /v1/topup/{method} {\"amount\", \"currency\": \"SATS|BTC|USD\"}"},
                         {"status", "GET /v1/topup/{id}"},
                         {"spend_token", "POST /v1/tokens {\"charge_id\"} once paid (top-ups made without a key)"},
                         {"balance", "GET /v1/balance with X-Spend-Token"}};
  }
  json body{{"service", "turnpike"},
            {"version", kVersion},
            {"openai_compatible", true},
            {"endpoints",
             {"GET /v1/models", "POST /v1/chat/completions", "POST /v1/completions", "POST /v1/embeddings", "GET /health",
              "GET /metrics", "GET /api/capabilities"}},
            {"auth", auth},
            {"payments", payments},
            {"models", modelList}};
  body_ = body.dump();
}

void CapabilitiesHandler::registerRoutes(http::Router& router) {
  router.add("GET", "/api/capabilities", [this](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) {
    ex->respond(http::Response::json(200, body_));
  });
}

}  // namespace turnpike::api
