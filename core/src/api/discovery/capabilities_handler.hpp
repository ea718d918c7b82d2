// GET /api/capabilities: what this gateway offers, machine-readable for agents — models with
// prices, how to pay (API keys, spend tokens, L402 and its flow, top-up methods and limits).
#pragma once

#include <nlohmann/json.hpp>

#include "api/openai/models_handler.hpp"
#include "billing/topup_service.hpp"
#include "http/router.hpp"

namespace turnpike::api {

class CapabilitiesHandler {
 public:
  // `topups` is null when billing is off.
  CapabilitiesHandler(const ModelsHandler& models, const pipeline::ModelCatalog& catalog,
                      const config::Config& config, const billing::TopupService* topups);
  void registerRoutes(http::Router& router);

 private:
  std::string body_;  // fixed after start: rendered once
};

}  // namespace turnpike::api
