// turnpike: the gateway binary and its subcommands.
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <Poco/Logger.h>

#include "app/gateway.hpp"
#include "app/logging.hpp"
#include "app/plugin_set.hpp"
#include "app/policy_reloader.hpp"
#include "app/store_commands.hpp"
#include "app/version.hpp"
#include "billing/payment_host.hpp"
#include "config/config_loader.hpp"
#include "config/diagnostics.hpp"

namespace {

using namespace turnpike;

constexpr const char* kDefaultConfig = "config/turnpike.yaml";

struct Command {
  const char* name;
  const char* summary;
  const char* usage;
  int (*run)(const std::string& configPath, const std::vector<std::string>& args);
  bool takesArgs;
};

int runServe(const std::string& configPath, const std::vector<std::string>& args);
int runCheckConfig(const std::string& configPath, const std::vector<std::string>& args);
int runPlugins(const std::string& configPath, const std::vector<std::string>& args);

// Commands on the store read only the configuration, never the plugins.
template <int (*Fn)(const config::Config&, const std::vector<std::string>&)>
int withConfig(const std::string& configPath, const std::vector<std::string>& args) {
  auto cfg = config::loadConfigFile(configPath);
  app::setupLogging("warning");
  return Fn(cfg, args);
}

const Command kCommands[] = {
    {"serve", "run the gateway", "turnpike serve [--config FILE]\n\n"
     "Serves the OpenAI-compatible API on server.listen until SIGINT or SIGTERM; in-flight\n"
     "responses get server.drain_timeout_ms to finish.", &runServe, false},
    {"check-config", "validate a configuration without serving", "turnpike check-config [--config FILE]\n\n"
     "Parses the file, substitutes ${VAR}s, loads every plugin it names and lets each check its\n"
     "own section. Prints each problem as FILE:LINE: KEY: MESSAGE and exits 1 if there is any.", &runCheckConfig, false},
    {"plugins", "list the plugins a configuration loads", "turnpike plugins [--config FILE]\n\n"
     "Loads the plugins the configuration names and prints name, kind, version, ABI and file.", &runPlugins, false},
    {"migrate", "bring the database schema up to date", "turnpike migrate [--config FILE]\n\n"
     "Applies pending migrations to storage.url (serve does this too) and prints the schema version.",
     &withConfig<app::runMigrate>, false},
    {"accounts", "create, credit and show accounts", app::kAccountsUsage, &withConfig<app::runAccounts>, true},
    {"keys", "create, list and revoke API keys", app::kKeysUsage, &withConfig<app::runKeys>, true},
};

void printHelp() {
  std::cout << "turnpike " << kVersion << " - an OpenAI-compatible AI gateway that charges for what it serves\n\n"
            << "usage: turnpike <command> [--config FILE] [--help]\n\ncommands:\n";
  for (const auto& c : kCommands) std::printf("  %-14s %s\n", c.name, c.summary);
  std::cout << "  version        print the version\n\n"
            << "--config defaults to " << kDefaultConfig << ".\n";
}

// Raises the open-file limit: each streamed request holds a client and an upstream socket.
void raiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int runServe(const std::string& configPath, const std::vector<std::string>&) {
  auto cfg = config::loadConfigFile(configPath);
  app::setupLogging(cfg.log.level);
  raiseFileLimit();
  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  app::Gateway gateway(std::move(cfg));
  gateway.start();
  auto& log = Poco::Logger::get("turnpike");
  log.notice("turnpike " + std::string(kVersion) + " listening on " + gateway.config().server.host + ":" +
             std::to_string(gateway.port()) + " (" + std::to_string(gateway.catalog().ids().size()) + " models)");
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) gateway.reloadPolicy("SIGHUP");
  log.notice(std::string("received ") + strsignal(sig) + ", shutting down");
  gateway.stop();
  return 0;
}

int runCheckConfig(const std::string& configPath, const std::vector<std::string>&) {
  auto cfg = config::loadConfigFile(configPath);
  app::setupLogging("warning");
  billing::ScratchPaymentHost scratch;
  app::PluginSet plugins(cfg, app::defaultPluginDir(), [&](const std::string&) -> plugins::PaymentHost& { return scratch; });
  metrics::Registry registry;
  app::PolicyReloader policy(cfg, registry);  // the scripts load and pass their trial calls
  size_t models = 0;
  for (const auto& p : cfg.providers) models += p.models.size();
  std::cout << configPath << ": OK (" << cfg.providers.size() << " providers, " << models << " configured models, scripts "
            << cfg.routing.script << " and " << cfg.pricing.script << ")\n";
  return 0;
}

int runPlugins(const std::string& configPath, const std::vector<std::string>&) {
  auto cfg = config::loadConfigFile(configPath);
  app::setupLogging("warning");
  billing::ScratchPaymentHost scratch;
  app::PluginSet plugins(cfg, app::defaultPluginDir(), [&](const std::string&) -> plugins::PaymentHost& { return scratch; });
  std::printf("%-20s %-10s %-10s %-4s %s\n", "PLUGIN", "KIND", "VERSION", "ABI", "FILE");
  for (const auto* p : plugins.loader().loaded()) {
    const auto* d = p->descriptor;
    std::printf("%-20s %-10s %-10s v%-3u %s\n", d->name, std::string(plugins::kindName(d->kind)).c_str(), d->version,
                d->abi_version, p->path.c_str());
  }
  std::printf("\n%-20s %-20s %s\n", "INSTANCE", "PLUGIN", "KIND");
  for (const auto& p : cfg.providers) std::printf("%-20s %-20s provider\n", p.name.c_str(), p.plugin.c_str());
  for (const auto& p : cfg.payments) std::printf("%-20s %-20s payment\n", p.name.c_str(), p.plugin.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc returns a thread arena's free top to the kernel (madvise) as soon as it passes 128 KiB,
  // and the next request faults the pages back in, with a TLB shootdown each time: measured at
  // a tenth of the store writer's time under load. Keep up to 64 MiB per arena instead.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printHelp();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "version" || args[0] == "--version") {
    std::cout << "turnpike " << kVersion << "\n";
    return 0;
  }
  const Command* command = nullptr;
  for (const auto& c : kCommands)
    if (args[0] == c.name) command = &c;
  if (command == nullptr) {
    std::cerr << "turnpike: unknown command '" << args[0] << "' (see turnpike --help)\n";
    return 2;
  }
  std::string configPath = kDefaultConfig;
  std::vector<std::string> rest;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << "usage: " << command->usage << "\n";
      return 0;
    }
    if (args[i] == "--config" && i + 1 < args.size()) {
      configPath = args[++i];
    } else if (args[i].rfind("--config=", 0) == 0) {
      configPath = args[i].substr(9);
    } else if (command->takesArgs) {
      rest.push_back(args[i]);
    } else {
      std::cerr << "turnpike " << command->name << ": unexpected argument '" << args[i] << "'\nusage: "
                << command->usage << "\n";
      return 2;
    }
  }
  try {
    return command->run(configPath, rest);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "turnpike " << command->name << ": " << e.what() << "\n";
    return 1;
  }
}
