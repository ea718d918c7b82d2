#include "api/anthropic/anthropic_models.hpp"

#include <charconv>
#include <ctime>

#include "http/api_error.hpp"

namespace turnpike::api {

namespace {

std::string rfc3339(int64_t unixSeconds) {
  std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

nlohmann::json anthropicModel(const pipeline::ModelCatalog& catalog, const std::string& id, int64_t created) {
  const auto* routes = catalog.find(id);
  if (routes == nullptr || routes->empty()) return nullptr;
  const auto& model = routes->front()->model;
  nlohmann::json obj{{"type", "model"}, {"id", id}, {"display_name", id}, {"created_at", rfc3339(created)}};
  if (model.contextLength > 0) obj["max_input_tokens"] = model.contextLength;
  if (model.maxOutputTokens > 0) obj["max_tokens"] = model.maxOutputTokens;
  return obj;
}

std::string anthropicModelList(const pipeline::ModelCatalog& catalog, const http::Request& request, int64_t created) {
  size_t limit = 20;
  if (auto text = request.queryParam("limit")) {
    size_t parsed = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), parsed);
    if (ec != std::errc() || end != text->data() + text->size() || parsed < 1 || parsed > 1000)
      throw http::ApiError(400, "invalid_request_error", "limit must be an integer from 1 to 1000", "limit");
    limit = parsed;
  }
  const auto ids = catalog.ids();
  size_t begin = 0, end = ids.size();
  // after_id: the page after that id; before_id: the page that ends just before it.
  auto position = [&](const std::string& id) {
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == id) return i;
    throw http::ApiError(400, "invalid_request_error", "no model has the id '" + id + "'");
  };
  auto after = request.queryParam("after_id");
  auto before = request.queryParam("before_id");
  if (after && !after->empty()) begin = position(*after) + 1;
  if (before && !before->empty()) {
    end = position(*before);
    if (end - std::min(end, begin) > limit) begin = end - limit;
  }
  nlohmann::json data = nlohmann::json::array();
  for (size_t i = begin; i < end && data.size() < limit; ++i) data.push_back(anthropicModel(catalog, ids[i], created));
  size_t last = begin + data.size();
  bool hasMore = before && !before->empty() ? begin > 0 : last < ids.size();
  nlohmann::json page{{"data", data},
                      {"has_more", hasMore},
                      {"first_id", data.empty() ? nlohmann::json(nullptr) : data.front()["id"]},
                      {"last_id", data.empty() ? nlohmann::json(nullptr) : data.back()["id"]}};
  return page.dump();
}

}  // namespace turnpike::api
