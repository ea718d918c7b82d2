// The lightning plugin's durable state (callback_state_*), one place for the whole key layout.
// Hashes are lowercase hex payment hashes; values are JSON unless noted.
//
//   inv:<hash>                  invoice record (InvoiceRecord): kind, topup_id, amounts, watch schedule
//   due:<ms, 16 digits>:<hash>  "" — the watch queue (DueQueue): key order is due order, so a
//                               tick reads only what is due
//   settled:<hash>              {"amount_msat", "settled_at"}: the invoice is paid (never changes again)
//   l402:root_secret            hex secret every L402 root key is derived from (secret); deleting it
//                               revokes every token
//   rootkey:<hex sha256(id)>    hex root key of one macaroon minted before keys were derived (secret)
//   dev:node_key                hex secret key of the dev backend's node (secret)
//   dev:paid:<hash>             dev backend payment {"amount_msat", "paid_at", "preimage"}, claimed once
//                               with an atomic insert
//   lnd:settle_index            decimal settle_index of the last invoice the subscription saw
#pragma once

#include <string>
#include <string_view>

#include "common/state_key.hpp"

namespace turnpike::payments::lightning::keys {

inline constexpr std::string_view kInvoicePrefix = "inv:";
inline constexpr std::string_view kDuePrefix = "due:";
inline constexpr std::string_view kSettledPrefix = "settled:";
inline constexpr std::string_view kRootSecret = "l402:root_secret";
inline constexpr std::string_view kRootKeyPrefix = "rootkey:";
inline constexpr std::string_view kDevNodeKey = "dev:node_key";
inline constexpr std::string_view kDevPaidPrefix = "dev:paid:";
inline constexpr std::string_view kLndSettleIndex = "lnd:settle_index";

using payments::stateKey;

inline std::string invoice(std::string_view hash) { return stateKey(kInvoicePrefix, hash); }
inline std::string settled(std::string_view hash) { return stateKey(kSettledPrefix, hash); }
inline std::string rootKey(std::string_view idHex) { return stateKey(kRootKeyPrefix, idHex); }
inline std::string devPaid(std::string_view hash) { return stateKey(kDevPaidPrefix, hash); }

}  // namespace turnpike::payments::lightning::keys
