#include "app/store_commands.hpp"

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "api/account/account_json.hpp"
#include "billing/billing_service.hpp"
#include "billing/periods.hpp"
#include "store/database.hpp"
#include "store/keys_repository.hpp"
#include "store/migrations.hpp"
#include "util/strings.hpp"

namespace turnpike::app {

using nlohmann::json;

const char* const kAccountsUsage =
    "turnpike accounts create [--name NAME] [--credit AMOUNT] [--config FILE]\n"
    "turnpike accounts credit ACCOUNT_ID AMOUNT [--reason TEXT] [--idempotency-key KEY] [--config FILE]\n"
    "turnpike accounts show ACCOUNT_ID [--config FILE]\n"
    "turnpike accounts tier ACCOUNT_ID TIER [--config FILE]   (what routing and pricing scripts see)\n\n"
    "Amounts are integers in billing.unit; a negative credit is an adjustment.";

const char* const kKeysUsage =
    "turnpike keys create ACCOUNT_ID [--name NAME] [--scopes inference,account,keys] [--usage-limit AMOUNT]\n"
    "                     [--reset-period none|daily|weekly|monthly] [--expire-at TIME] [--config FILE]\n"
    "turnpike keys list ACCOUNT_ID [--config FILE]\n"
    "turnpike keys revoke KEY_ID [--config FILE]\n\n"
    "The new key's secret is printed once; only its hash is stored.";

namespace {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Positional arguments and --name value options.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;

  static Args parse(const std::vector<std::string>& raw, size_t from) {
    Args a;
    for (size_t i = from; i < raw.size(); ++i) {
      if (raw[i].rfind("--", 0) == 0) {
        if (i + 1 >= raw.size()) throw UsageError(raw[i] + " needs a value");
        a.options[raw[i].substr(2)] = raw[i + 1];
        ++i;
      } else {
        a.positional.push_back(raw[i]);
      }
    }
    return a;
  }
  std::string option(const std::string& name, const std::string& fallback = "") const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
  void allowOnly(std::initializer_list<const char*> names) const {
    for (const auto& [k, _] : options) {
      bool known = false;
      for (const char* n : names) known = known || k == n;
      if (!known) throw UsageError("unknown option --" + k);
    }
  }
};

int64_t parseAmount(const std::string& text) {
  try {
    size_t used = 0;
    int64_t v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (...) {
  }
  throw UsageError("'" + text + "' is not an integer amount");
}

struct Services {
  std::unique_ptr<store::Database> database;
  std::unique_ptr<billing::BillingService> billing;
};

Services open(const config::Config& config) {
  Services s;
  s.database = store::Database::open(config.storage.url);
  s.billing = std::make_unique<billing::BillingService>(config.billing, *s.database);
  return s;
}

void print(const json& j) { std::cout << j.dump(2) << "\n"; }

int usage(const char* text, const std::string& problem) {
  std::cerr << "turnpike: " << problem << "\nusage:\n" << text << "\n";
  return 2;
}

}  // namespace

int runMigrate(const config::Config& config, const std::vector<std::string>&) {
  auto database = store::Database::open(config.storage.url);  // applies what is missing
  auto c = database->connect();
  json applied = json::array();
  for (const auto& m : store::migrations()) applied.push_back({{"version", m.version}, {"name", m.name}});
  print(json{{"database", database->path()}, {"schema_version", store::schemaVersion(*c)}, {"migrations", applied}});
  return 0;
}

int runAccounts(const config::Config& config, const std::vector<std::string>& raw) {
  if (raw.empty()) return usage(kAccountsUsage, "missing subcommand");
  try {
    Args a = Args::parse(raw, 1);
    const std::string& sub = raw[0];
    if (sub == "create") {
      a.allowOnly({"name", "credit"});
      int64_t credit = a.options.count("credit") ? parseAmount(a.option("credit")) : 0;
      auto s = open(config);
      auto created = s.billing->createAccount(a.option("name"), credit, "created with turnpike accounts create");
      print(json{{"account_id", created.account.id},
                 {"api_key", created.key.secret},
                 {"key_id", created.key.record.id},
                 {"balance", created.balance},
                 {"unit", config.billing.unit}});
      return 0;
    }
    if (sub == "credit") {
      a.allowOnly({"reason", "idempotency-key"});
      if (a.positional.size() != 2) return usage(kAccountsUsage, "credit takes ACCOUNT_ID AMOUNT");
      int64_t amount = parseAmount(a.positional[1]);
      std::optional<std::string> idem;
      if (a.options.count("idempotency-key")) idem = "cli:" + a.option("idempotency-key");
      auto s = open(config);
      auto out = s.billing->credit(a.positional[0], amount, amount > 0 ? "credit" : "adjustment",
                                   a.option("reason", "turnpike accounts credit"), idem);
      print(json{{"account_id", a.positional[0]}, {"balance", out.balance}, {"ledger_id", out.ledgerId}, {"applied", out.applied}});
      return 0;
    }
    if (sub == "show") {
      a.allowOnly({});
      if (a.positional.size() != 1) return usage(kAccountsUsage, "show takes ACCOUNT_ID");
      auto s = open(config);
      auto account = api::accountJson(*s.billing, a.positional[0]);
      if (!account) throw std::invalid_argument("no account " + a.positional[0]);
      print(*account);
      return 0;
    }
    if (sub == "tier") {
      a.allowOnly({});
      if (a.positional.size() != 2) return usage(kAccountsUsage, "tier takes ACCOUNT_ID TIER");
      auto s = open(config);
      if (!s.billing->setTier(a.positional[0], a.positional[1])) throw std::invalid_argument("no account " + a.positional[0]);
      print(*api::accountJson(*s.billing, a.positional[0]));
      return 0;
    }
    return usage(kAccountsUsage, "unknown subcommand '" + sub + "'");
  } catch (const UsageError& e) {
    return usage(kAccountsUsage, e.what());
  } catch (const std::invalid_argument& e) {
    std::cerr << "turnpike accounts: " << e.what() << "\n";
    return 1;
  }
}

int runKeys(const config::Config& config, const std::vector<std::string>& raw) {
  if (raw.empty()) return usage(kKeysUsage, "missing subcommand");
  try {
    Args a = Args::parse(raw, 1);
    const std::string& sub = raw[0];
    if (sub == "create") {
      a.allowOnly({"name", "scopes", "usage-limit", "reset-period", "expire-at"});
      if (a.positional.size() != 1) return usage(kKeysUsage, "create takes ACCOUNT_ID");
      billing::KeySpec spec;
      spec.name = a.option("name");
      if (a.options.count("scopes")) {
        spec.scopes = store::keys::splitScopes(a.option("scopes"));
        const auto& known = billing::knownScopes();
        for (const auto& scope : spec.scopes)
          if (std::find(known.begin(), known.end(), scope) == known.end()) throw UsageError("unknown scope '" + scope + "'");
      }
      if (a.options.count("usage-limit")) spec.usageLimit = parseAmount(a.option("usage-limit"));
      if (a.options.count("reset-period")) {
        auto p = store::parseResetPeriod(a.option("reset-period"));
        if (!p) throw UsageError("reset period is none, daily, weekly or monthly");
        spec.resetPeriod = *p;
      }
      if (a.options.count("expire-at")) {
        std::string t = a.option("expire-at");
        auto seconds = util::parseUint(t);
        auto ms = api::parseTime(seconds ? json(*seconds) : json(t));
        if (!ms) throw UsageError("--expire-at takes unix seconds or an ISO 8601 time");
        spec.expireAt = *ms;
      }
      auto s = open(config);
      auto created = s.billing->createKey(a.positional[0], spec);
      json out = api::keyJson(created.record, billing::nowMs());
      out["api_key"] = created.secret;
      print(out);
      return 0;
    }
    if (sub == "list") {
      a.allowOnly({});
      if (a.positional.size() != 1) return usage(kKeysUsage, "list takes ACCOUNT_ID");
      auto s = open(config);
      json keys = json::array();
      for (const auto& k : s.billing->listKeys(a.positional[0])) keys.push_back(api::keyJson(k, billing::nowMs()));
      print(keys);
      return 0;
    }
    if (sub == "revoke") {
      a.allowOnly({});
      if (a.positional.size() != 1) return usage(kKeysUsage, "revoke takes KEY_ID");
      auto s = open(config);
      if (!s.billing->keyById(a.positional[0])) throw std::invalid_argument("no key " + a.positional[0]);
      bool revoked = s.billing->revokeKey(a.positional[0]);
      print(json{{"id", a.positional[0]}, {"revoked", true}, {"already_revoked", !revoked}});
      return 0;
    }
    return usage(kKeysUsage, "unknown subcommand '" + sub + "'");
  } catch (const UsageError& e) {
    return usage(kKeysUsage, e.what());
  } catch (const std::invalid_argument& e) {
    std::cerr << "turnpike keys: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace turnpike::app
