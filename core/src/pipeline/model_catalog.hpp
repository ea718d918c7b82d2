// Which providers serve which model ids, with the prices and limits configured for each pair.
// Built at start; read-only afterwards, so lookups need no lock.
#pragma once

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
  // Cells resolved once for this pair.
  metrics::Histogram* duration = nullptr;
  metrics::Histogram* upstreamLatency = nullptr;
  metrics::Counter* promptTokens = nullptr;
  metrics::Counter* completionTokens = nullptr;

  const std::string& id() const { return model.id; }
  const std::string& providerName() const { return providerConfig->name; }
  bool has(std::string_view capability) const;
};

class ModelCatalog {
 public:
  void add(ModelRoute route);
  // Every provider serving `id`, in configuration order; nullptr when none.
  const std::vector<ModelRoute>* find(std::string_view id) const;
  // Model ids in configuration order, each once.
  const std::vector<std::string>& ids() const { return order_; }
  size_t routeCount() const;

 private:
  std::map<std::string, std::vector<ModelRoute>, std::less<>> routes_;
  std::vector<std::string> order_;
};

}  // namespace turnpike::pipeline
