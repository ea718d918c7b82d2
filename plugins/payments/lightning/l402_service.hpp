// L402 for the payment plugin: challenge() issues an invoice and a macaroon bound to its payment
// hash, service, path and a validity window, and records nothing (root keys are derived, see
// root_keys.hpp; the invoice is the node's), so anonymous challenges cost the gateway no write.
// authorize() checks a credential and asks the node, once, whether the invoice settled (then
// remembered). Single-use consumption is the core's job (it claims the payment hash atomically
// with the reservation).
#pragma once

#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

#include "lightning/backend.hpp"
#include "lightning/plugin_config.hpp"
#include "lightning/root_keys.hpp"
#include "lightning/settled_invoices.hpp"

namespace turnpike::payments::lightning {

class L402Service {
 public:
  L402Service(sdk::Host host, const PluginConfig& config, Backend& backend, SettledInvoices& settled);

  // {"amount_msat", "service", "path", "description"} -> {"headers": [...], "payment": {...}}
  std::string challenge(std::string_view requestJson);
  // {"authorization", "service", "path", "now"} -> {"ok": true, ...} | {"ok": false, ...}
  std::string authorize(std::string_view requestJson);

 private:
  sdk::Host host_;
  const PluginConfig& config_;
  Backend& backend_;
  SettledInvoices& settled_;
  RootKeys rootKeys_;
};

}  // namespace turnpike::payments::lightning
