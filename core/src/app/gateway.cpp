#include "app/gateway.hpp"

#include <Poco/Logger.h>

#include <ctime>

#include "plugins/host_api.hpp"
#include "util/strings.hpp"

namespace turnpike::app {

namespace {
Poco::Logger& log() { return Poco::Logger::get("gateway"); }
// The worker pool of key lookups for inference requests.
constexpr const char* kKeyPool = "keys";
}  // namespace

Gateway::Gateway(config::Config config, const std::string& pluginDir)
    : config_(std::move(config)), metrics_(registry_) {
  plugins::setHostMetrics(&registry_);
  if (config_.billing.enabled) {
    database_ = store::Database::open(config_.storage.url);
    log().notice("storage: SQLite database " + database_->path());
    billing_ = std::make_unique<billing::BillingService>(config_.billing, *database_);
    topups_ = std::make_unique<billing::TopupService>(*billing_);
  }
  plugins_ = std::make_unique<PluginSet>(config_, pluginDir, [this](const std::string& instance) -> plugins::PaymentHost& {
    auto& host = paymentHosts_[instance];
    host = std::make_unique<billing::StorePaymentHost>(*billing_, *topups_, instance);
    return *host;
  });
  for (const auto& method : plugins_->payments()) topups_->addMethod(*method);
  buildCatalog();

  policy_ = std::make_unique<PolicyReloader>(config_, registry_);
  routeHealth_ = std::make_unique<pipeline::HealthTracker>(catalog_, config_.providers.size(), config_.routing.circuitBreaker,
                                                      registry_);
  pricer_ = std::make_unique<pipeline::Pricer>(&policy_->engine(), config_.billing.markupPpm, metrics_.policyErrors);
  // Key lookups and payment backends each have a pool of their own (see docs/config.md).
  auto offloadTo = [this](std::string pool) {
    return [this, pool = std::move(pool)](std::function<void()> task) { return server_->workers(pool).submit(std::move(task)); };
  };
  identify_ = std::make_unique<pipeline::IdentifyStage>(billing_.get(), config_.billing.unit, offloadTo(kKeyPool));
  route_ = std::make_unique<pipeline::RouteStage>(catalog_, *routeHealth_, &policy_->engine(), metrics_.policyErrors);
  if (!config_.server.adminToken.empty())
    adminGate_ = std::make_unique<api::TokenGate>(config_.server.adminToken, "invalid_admin_token", "server.admin_token",
                                                  limiter_);
  if (!config_.server.metricsToken.empty())
    metricsGate_ = std::make_unique<api::TokenGate>(config_.server.metricsToken, "invalid_metrics_token",
                                                    "server.metrics_token", limiter_);

  if (billing_) {
    admit_ = std::make_unique<pipeline::AdmitStage>(config_.billing, *billing_, limiter_, *pricer_);
    account_ = std::make_unique<api::AccountHandler>(*billing_, config_.billing, limiter_);
    if (adminGate_) admin_ = std::make_unique<api::AdminHandler>(*billing_, *adminGate_);
    payments_ = std::make_unique<api::PaymentsHandler>(*topups_, *billing_, config_.billing, catalog_);
    for (const auto& m : topups_->methods()) {
      if (!m.description.value("l402", false)) continue;
      admit_->enableL402(*m.method, m.description.value("l402_reuse", "single_use") != "until_expiry",
                         offloadTo(api::PaymentsHandler::kPool));
      identify_->enableL402();
      break;
    }
  }
  services_ = std::make_unique<pipeline::PipelineServices>(pipeline::PipelineServices{
      .metrics = metrics_,
      .upstreamFor = [this](unsigned loop) -> net::UpstreamClient& { return *upstreams_.at(loop); },
      .billingConfig = config_.billing,
      .billing = billing_.get(),
      .limiter = &limiter_,
      .health = *routeHealth_,
      .pricer = *pricer_,
      .routingInfo = config_.routing.info});
  models_ = std::make_unique<api::ModelsHandler>(catalog_, static_cast<int64_t>(std::time(nullptr)));
  inference_ = std::make_unique<api::InferenceHandler>(*identify_, *route_, admit_.get(), *services_);
  messages_ = std::make_unique<api::MessagesHandler>(*inference_);
  if (billing_)
    responseStore_ = std::make_unique<store::ResponseStore>(billing_->writer(), billing_->readers(),
                                                            std::chrono::hours(config_.responses.retentionHours));
  responses_ = std::make_unique<api::ResponsesHandler>(*inference_, responseStore_.get(), offloadTo(""));
  health_ = std::make_unique<api::HealthHandler>(
      registry_, [this] { return api::HealthHandler::Status{plugins_->providers().size(), catalog_.ids().size()}; },
      metricsGate_.get());
  if (billing_)
    registry_.gaugeCallback("turnpike_settlements_pending", "Settlements that failed and wait for a retry",
                            [this] { return static_cast<double>(billing_->pendingSettlements()); });
  registry_.gaugeCallback("turnpike_open_connections", "Client connections currently open",
                          [this] { return server_ ? static_cast<double>(server_->connectionCount()) : 0.0; });
  registry_.counterCallback("turnpike_connections_refused_total",
                            "Connections closed at accept: over server.max_connections or server.max_connections_per_ip",
                            [this] { return server_ ? static_cast<double>(server_->refusedConnections()) : 0.0; });
  registry_.counterCallback("turnpike_loop_callback_errors_total",
                            "Event-loop callbacks that threw; the connection involved was closed, the loop went on",
                            [this] { return server_ ? static_cast<double>(server_->callbackFailures()) : 0.0; });
  capabilities_ = std::make_unique<api::CapabilitiesHandler>(*models_, catalog_, config_, topups_.get());
  routeQuery_ = std::make_unique<api::RouteQueryHandler>(catalog_, *routeHealth_, *route_);
  if (adminGate_)
    policyAdmin_ = std::make_unique<api::PolicyHandler>([this](std::string_view trigger) { return reloadPolicy(trigger); },
                                                        *routeHealth_, *adminGate_);
  router_.setCors(http::CorsPolicy(config_.server.corsOrigins));
  models_->registerRoutes(router_);
  routeQuery_->registerRoutes(router_);
  if (policyAdmin_) policyAdmin_->registerRoutes(router_);
  capabilities_->registerRoutes(router_);
  inference_->registerRoutes(router_);
  messages_->registerRoutes(router_);
  responses_->registerRoutes(router_);
  health_->registerRoutes(router_);
  if (account_) account_->registerRoutes(router_);
  if (admin_) admin_->registerRoutes(router_);
  if (payments_) payments_->registerRoutes(router_);
}

Gateway::~Gateway() { stop(); }

void Gateway::buildCatalog() {
  const auto& providers = plugins_->providers();
  for (size_t i = 0; i < providers.size(); ++i) {
    const auto& pc = config_.providers[i];
    auto* provider = providers[i].get();
    auto add = [&](const config::ModelConfig& model, bool discovered) {
      pipeline::ModelRoute route;
      route.model = model;
      route.provider = provider;
      route.providerConfig = &pc;
      route.providerIndex = static_cast<uint32_t>(i);
      route.discovered = discovered;
      route.duration = &metrics_.requestDuration.with({pc.name, model.id});
      route.upstreamLatency = &metrics_.upstreamLatency.with({pc.name, model.id});
      route.promptTokens = &metrics_.tokens.with({pc.name, model.id, "prompt"});
      route.completionTokens = &metrics_.tokens.with({pc.name, model.id, "completion"});
      catalog_.add(std::move(route));
    };
    for (const auto& m : pc.models) add(m, false);
    if (!pc.discoverModels) continue;
    try {
      size_t added = 0;
      for (const auto& d : provider->listModels()) {
        bool configured = false;
        for (const auto& m : pc.models) configured = configured || m.id == d.id;
        if (configured) continue;
        config::ModelConfig m = pc.modelDefaults;
        m.id = d.id;
        m.upstreamId = d.id;
        if (m.contextLength == 0) m.contextLength = d.contextLength;
        m.where = pc.where;
        add(m, true);
        ++added;
      }
      log().information("provider " + pc.name + ": discovered " + std::to_string(added) + " models");
    } catch (const std::exception& e) {
      // The upstream may be down at start; its configured models are still served.
      log().warning("provider " + pc.name + ": model discovery failed: " + e.what());
    }
  }
}

void Gateway::observe(const http::Exchange& exchange) {
  int status = exchange.outcomeStatus();
  const auto& route = exchange.route().empty() ? std::string("unmatched") : exchange.route();
  metrics_.httpRequests.with({route, http::methodLabel(exchange.request().method), std::to_string(status)}).add();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange.startTime()).count();
  metrics_.httpDuration.with({route}).observe(seconds);
  if (status >= 400) {
    const std::string& code = status == 499 && exchange.errorCode().empty() ? std::string("client_closed_request")
                                                                              : exchange.errorCode();
    metrics_.errors.with({exchange.provider(), exchange.model(), code}).add();
  }
  if (config_.log.access) {
    // The path is percent-decoded: quoted as a JSON string so "%0a" cannot start a forged line.
    const auto& request = exchange.request();
    std::string line = request.clientAddress + " ";
    util::appendJsonString(line, request.method + " " + request.path);
    line += " " + std::to_string(status) + " " + std::to_string(static_cast<int64_t>(seconds * 1e6)) + "us";
    log().information(line);
  }
}

void Gateway::start() {
  healthRefresh_ = std::make_unique<util::PeriodicTask>(std::chrono::milliseconds(100), [this] { routeHealth_->refresh(); },
                                                        "tp-health");
  if (config_.routing.watch) policy_->watch();
  if (database_) {
    database_->lockForServing();
    billing_->releaseStaleReservations();
    settlementRetry_ = std::make_unique<util::PeriodicTask>(std::chrono::seconds(5), [this] { billing_->retrySettlements(); },
                                                            "tp-settle-retry");
    // Expired stored responses are invisible at once; this deletes them, a batch at a time.
    ticks_.push_back(std::make_unique<util::PeriodicTask>(
        std::chrono::minutes(1),
        [this] {
          while (responseStore_->sweep() == store::ResponseStore::kSweepBatch) {
          }
        },
        "tp-responses"));
  }
  for (const auto& method : plugins_->payments()) {
    if (method->tickMs() == 0) continue;
    auto* m = method.get();
    ticks_.push_back(std::make_unique<util::PeriodicTask>(std::chrono::milliseconds(method->tickMs()),
                                                          [m] { m->tick(); }, "tp-" + m->name()));
  }
  http::ServerOptions options;
  options.host = config_.server.host;
  options.port = config_.server.port;
  options.loops = config_.server.workers;
  options.pools = {{"", config_.server.blockingThreads, config_.server.blockingQueue},
                   {kKeyPool, config_.server.keyLookupThreads, config_.server.blockingQueue},
                   {api::PaymentsHandler::kPool, config_.server.paymentThreads, config_.server.paymentQueue}};
  options.limits.maxBodyBytes = config_.server.maxBodyBytes;
  options.limits.idleTimeout = std::chrono::milliseconds(config_.server.keepaliveTimeoutMs);
  options.limits.headerTimeout = std::chrono::milliseconds(config_.server.headerTimeoutMs);
  options.limits.minBodyRate = config_.server.minBodyRate;
  options.limits.bodyGrace = std::chrono::milliseconds(config_.server.bodyGraceMs);
  options.limits.sendTimeout = std::chrono::milliseconds(config_.server.sendTimeoutMs);
  options.limits.maxConnectionsPerAddress = config_.server.maxConnectionsPerIp;
  if (!config_.server.trustedProxies.empty()) options.limits.trustedProxies = &config_.server.trustedProxies;
  options.maxConnections = config_.server.maxConnections;
  options.drainTimeout = std::chrono::milliseconds(config_.server.drainTimeoutMs);
  if (options.loops == 0) options.loops = std::max(1u, std::thread::hardware_concurrency());
  upstreams_.resize(options.loops);

  server_ = std::make_unique<http::Server>(options, router_, [this](const http::Exchange& e) { observe(e); });
  server_->setLoopHooks(
      [this](http::EventLoop& loop, unsigned i) {
        upstreams_[i] = std::make_unique<net::UpstreamClient>(loop, net::UpstreamClient::Options{});
      },
      [this](http::EventLoop&, unsigned i) { upstreams_[i].reset(); });
  server_->start();
}

void Gateway::stop() {
  ticks_.clear();
  settlementRetry_.reset();
  healthRefresh_.reset();
  if (policy_) policy_->stopWatching();
  if (server_) server_->stop();
  // Settlements still queued complete (and post to the stopped loops) before the loops go; one
  // last try for those that failed (what stays held is released at the next start).
  if (billing_) {
    billing_->retrySettlements();
    billing_->writer().stop();
  }
  server_.reset();
}

}  // namespace turnpike::app
