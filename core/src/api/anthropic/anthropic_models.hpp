// GET /v1/models and /v1/models/{id} in Anthropic's shape, for requests that carry
// anthropic-version (the Anthropic SDK's models.list, Claude Code's gateway model discovery).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "http/request.hpp"
#include "pipeline/model_catalog.hpp"

namespace turnpike::api {

// The page the query asks for: limit (1-1000, default 20), after_id, before_id.
// Throws http::ApiError (400) for a bad limit.
std::string anthropicModelList(const pipeline::ModelCatalog& catalog, const http::Request& request, int64_t created);
// The model object, or null when `id` is unknown.
nlohmann::json anthropicModel(const pipeline::ModelCatalog& catalog, const std::string& id, int64_t created);

}  // namespace turnpike::api
