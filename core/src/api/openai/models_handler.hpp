// GET /v1/models and GET /v1/models/{id}: OpenAI's model objects, extended with each model's
// providers, prices, context length and capabilities.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "http/router.hpp"
#include "pipeline/model_catalog.hpp"

namespace turnpike::api {

class ModelsHandler {
 public:
  ModelsHandler(const pipeline::ModelCatalog& catalog, int64_t created);
  void registerRoutes(http::Router& router);

  // The model object for `id`, or null when unknown.
  nlohmann::json modelObject(const std::string& id) const;

 private:
  const pipeline::ModelCatalog& catalog_;
  int64_t created_;
  std::string listBody_;  // the catalog is fixed after start, so the list is rendered once
};

nlohmann::json priceJson(const config::Price& price);

}  // namespace turnpike::api
