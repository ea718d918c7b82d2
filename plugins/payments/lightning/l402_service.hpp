// L402 for the payment plugin: challenge() issues an invoice and a macaroon bound to its payment
// hash, service, path and a validity window; authorize() checks a credential and that the
// invoice is settled. Root keys live in the state (`rootkey:<id>`), read on every check, so
// deleting one revokes its token at once. Single-use consumption is the core's job (it records
// consumed payment hashes atomically with the reservation).
#pragma once

#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

#include "lightning/backend.hpp"
#include "lightning/invoice_watcher.hpp"
#include "lightning/plugin_config.hpp"
#include "lightning/settled_invoices.hpp"

namespace turnpike::payments::lightning {

class L402Service {
 public:
  L402Service(sdk::Host host, const PluginConfig& config, Backend& backend, InvoiceWatcher& watcher,
              SettledInvoices& settled);

  // {"amount_msat", "service", "path", "description"} -> {"headers": [...], "payment": {...}}
  std::string challenge(std::string_view requestJson);
  // {"authorization", "service", "path", "now"} -> {"ok": true, ...} | {"ok": false, ...}
  std::string authorize(std::string_view requestJson);

 private:
  sdk::Host host_;
  const PluginConfig& config_;
  Backend& backend_;
  InvoiceWatcher& watcher_;
  SettledInvoices& settled_;
};

}  // namespace turnpike::payments::lightning
