// POST /dev/lightning/pay {"invoice": "<bolt11>", "allow_expired": false} — the dev backend's
// stand-in for a wallet, answered on loopback only: marks one of its invoices paid and returns
// {"preimage", "payment_hash", "amount_msat", "already_paid"}. Paying twice returns the same
// preimage and pays nothing more; unknown invoices are 404, expired unpaid ones 410 unless
// allow_expired simulates a payment that arrives late.
#pragma once

#include <string>
#include <string_view>

#include "lightning/dev_backend.hpp"
#include "lightning/invoice_watcher.hpp"

namespace turnpike::payments::lightning {

inline constexpr std::string_view kDevPayPath = "/dev/lightning/pay";

// The on_routes entry.
std::string devPayRoutes();

// on_http: the host's request JSON in, the response JSON ({"status", "headers", "body"}) out.
std::string handleDevPay(DevBackend& dev, InvoiceWatcher& watcher, std::string_view requestJson);

}  // namespace turnpike::payments::lightning
