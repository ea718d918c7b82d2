#include "pipeline/model_catalog.hpp"

#include <algorithm>

namespace turnpike::pipeline {

bool ModelRoute::has(std::string_view capability) const {
  return std::find(model.capabilities.begin(), model.capabilities.end(), capability) != model.capabilities.end();
}

void ModelCatalog::add(ModelRoute route) {
  auto& list = routes_[route.model.id];
  if (list.empty()) order_.push_back(route.model.id);
  list.push_back(std::move(route));
}

const std::vector<ModelRoute>* ModelCatalog::find(std::string_view id) const {
  auto it = routes_.find(id);
  return it == routes_.end() ? nullptr : &it->second;
}

size_t ModelCatalog::routeCount() const {
  size_t n = 0;
  for (const auto& [_, list] : routes_) n += list.size();
  return n;
}

}  // namespace turnpike::pipeline
