// Turnpike assembled from a configuration: plugins, model catalog, metrics, handlers and the
// HTTP server. One object, so `serve` and the integration tests run the very same thing.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/account/account_handler.hpp"
#include "api/admin/admin_handler.hpp"
#include "api/admin/policy_handler.hpp"
#include "api/discovery/capabilities_handler.hpp"
#include "api/discovery/route_query_handler.hpp"
#include "api/health/health_handler.hpp"
#include "api/anthropic/messages_handler.hpp"
#include "api/openai/inference_handler.hpp"
#include "api/responses/responses_handler.hpp"
#include "api/openai/models_handler.hpp"
#include "api/payments/payments_handler.hpp"
#include "api/token_gate.hpp"
#include "app/plugin_set.hpp"
#include "app/policy_reloader.hpp"
#include "billing/billing_service.hpp"
#include "billing/payment_host.hpp"
#include "billing/rate_limiter.hpp"
#include "billing/topup_service.hpp"
#include "config/config.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "metrics/gateway_metrics.hpp"
#include "metrics/registry.hpp"
#include "net/upstream_client.hpp"
#include "pipeline/admit_stage.hpp"
#include "pipeline/health_tracker.hpp"
#include "pipeline/identify_stage.hpp"
#include "pipeline/model_catalog.hpp"
#include "pipeline/pricer.hpp"
#include "pipeline/proxy_call.hpp"
#include "pipeline/route_stage.hpp"
#include "store/database.hpp"
#include "util/periodic_task.hpp"

namespace turnpike::app {

class Gateway {
 public:
  // Loads plugins and builds everything; throws config::ConfigError on a bad configuration.
  explicit Gateway(config::Config config, const std::string& pluginDir = defaultPluginDir());
  ~Gateway();

  // Starts serving on config.server (port 0 picks one); returns once listening.
  void start();
  void stop();

  uint16_t port() const { return server_ ? server_->port() : 0; }
  const config::Config& config() const { return config_; }
  const pipeline::ModelCatalog& catalog() const { return catalog_; }
  metrics::Registry& metricsRegistry() { return registry_; }
  // Null when billing is off.
  billing::BillingService* billing() { return billing_.get(); }
  // Reloads the routing and pricing scripts (SIGHUP, admin API); the old ones serve on failure.
  policy::ReloadResult reloadPolicy(std::string_view trigger) { return policy_->reload(trigger); }

 private:
  void buildCatalog();
  void observe(const http::Exchange& exchange);

  config::Config config_;
  metrics::Registry registry_;
  metrics::GatewayMetrics metrics_;
  // Declared before the plugins: payment plugins use them until they are destroyed.
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<billing::BillingService> billing_;
  std::unique_ptr<billing::TopupService> topups_;
  std::map<std::string, std::unique_ptr<plugins::PaymentHost>> paymentHosts_;
  std::unique_ptr<PluginSet> plugins_;
  std::vector<std::unique_ptr<util::PeriodicTask>> ticks_;  // payment watchers; stopped before the plugins go
  pipeline::ModelCatalog catalog_;
  std::unique_ptr<PolicyReloader> policy_;
  std::unique_ptr<pipeline::HealthTracker> routeHealth_;
  std::unique_ptr<util::PeriodicTask> healthRefresh_;
  std::unique_ptr<util::PeriodicTask> settlementRetry_;  // failed settlements, while serving
  std::unique_ptr<pipeline::Pricer> pricer_;
  std::unique_ptr<pipeline::IdentifyStage> identify_;
  std::unique_ptr<pipeline::RouteStage> route_;
  billing::RateLimiter limiter_;
  std::unique_ptr<api::TokenGate> adminGate_;    // null: no admin_token, no admin API
  std::unique_ptr<api::TokenGate> metricsGate_;  // null: /metrics is public
  std::unique_ptr<pipeline::AdmitStage> admit_;
  http::Router router_;
  std::vector<std::unique_ptr<net::UpstreamClient>> upstreams_;  // one per event loop
  std::unique_ptr<pipeline::PipelineServices> services_;
  std::unique_ptr<api::ModelsHandler> models_;
  std::unique_ptr<api::InferenceHandler> inference_;
  std::unique_ptr<api::MessagesHandler> messages_;
  std::unique_ptr<store::ResponseStore> responseStore_;
  std::unique_ptr<api::ResponsesHandler> responses_;
  std::unique_ptr<api::HealthHandler> health_;
  std::unique_ptr<api::AccountHandler> account_;
  std::unique_ptr<api::AdminHandler> admin_;
  std::unique_ptr<api::PaymentsHandler> payments_;
  std::unique_ptr<api::CapabilitiesHandler> capabilities_;
  std::unique_ptr<api::RouteQueryHandler> routeQuery_;
  std::unique_ptr<api::PolicyHandler> policyAdmin_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace turnpike::app
