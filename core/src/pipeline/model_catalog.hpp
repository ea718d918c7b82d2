// Which providers serve which model ids, with the prices and limits configured for each pair.
// Built at start; read-only afterwards, so lookups need no lock.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "metrics/registry.hpp"
#include "plugins/provider.hpp"

namespace turnpike::pipeline {

// One (model, provider) pair.
struct ModelRoute {
  config::ModelConfig model;
  plugins::Provider* provider = nullptr;
  const config::ProviderConfig* providerConfig = nullptr;
  bool discovered = false;
  uint32_t index = 0;          // position in ModelCatalog::all()
  uint32_t providerIndex = 0;  // position of the provider in the configuration
  // Cells resolved once for this pair.
  metrics::Histogram* duration = nullptr;
  metrics::Histogram* upstreamLatency = nullptr;
  metrics::Counter* promptTokens = nullptr;
  metrics::Counter* completionTokens = nullptr;

  const std::string& id() const { return model.id; }
  const std::string& providerName() const { return providerConfig->name; }
  // True for every capability when the model declares none.
  bool has(std::string_view capability) const;
};

// What a model without declared capabilities offers to scripts and route queries.
inline const std::vector<std::string> kAllCapabilities{"chat", "completions", "embeddings", "tools", "vision", "json"};

// Operations a model serves; models without capabilities serve every operation.
bool serves(const ModelRoute& route, tp_operation operation);

class ModelCatalog {
 public:
  // Sets route.index. Routes never move once added.
  void add(ModelRoute route);
  // Every provider serving `id`, in configuration order; nullptr when none.
  const std::vector<const ModelRoute*>* find(std::string_view id) const;
  // The route of `provider` for `id`, or nullptr.
  const ModelRoute* find(std::string_view id, std::string_view provider) const;
  // Every (model, provider) pair in configuration order.
  const std::vector<const ModelRoute*>& all() const { return all_; }
  // Model ids in configuration order, each once.
  const std::vector<std::string>& ids() const { return order_; }
  size_t routeCount() const { return all_.size(); }

 private:
  std::deque<ModelRoute> storage_;
  std::map<std::string, std::vector<const ModelRoute*>, std::less<>> byId_;
  std::vector<const ModelRoute*> all_;
  std::vector<std::string> order_;
};

}  // namespace turnpike::pipeline
