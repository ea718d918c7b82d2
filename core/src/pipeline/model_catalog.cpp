#include "pipeline/model_catalog.hpp"

#include <algorithm>

namespace turnpike::pipeline {

bool ModelRoute::has(std::string_view capability) const {
  // An operator who lists no capabilities restricts nothing.
  if (model.capabilities.empty()) return true;
  return std::find(model.capabilities.begin(), model.capabilities.end(), capability) != model.capabilities.end();
}

bool serves(const ModelRoute& route, tp_operation operation) {
  switch (operation) {
    case TP_OP_CHAT: return route.has("chat");
    case TP_OP_COMPLETION: return route.has("completions") || route.has("chat");
    case TP_OP_EMBEDDING: return route.has("embeddings");
    case TP_OP_COUNT_TOKENS: return route.has("chat");
  }
  return false;
}

void ModelCatalog::add(ModelRoute route) {
  route.index = static_cast<uint32_t>(all_.size());
  const ModelRoute& stored = storage_.emplace_back(std::move(route));
  auto& list = byId_[stored.model.id];
  if (list.empty()) order_.push_back(stored.model.id);
  list.push_back(&stored);
  all_.push_back(&stored);
}

const std::vector<const ModelRoute*>* ModelCatalog::find(std::string_view id) const {
  auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : &it->second;
}

const ModelRoute* ModelCatalog::find(std::string_view id, std::string_view provider) const {
  if (const auto* list = find(id))
    for (const auto* route : *list)
      if (route->providerName() == provider) return route;
  return nullptr;
}

}  // namespace turnpike::pipeline
