// The stripe plugin's durable state (callback_state_*), one place for the whole key layout.
// Values are JSON.
//
//   session:<cs_id>  the Checkout Session issued for a top-up (SessionRecord): written once when
//                    it is created; what a payment is checked against (top-up, amount asked)
//   paid:<cs_id>     the session's payment was reported to the host: claimed once with an
//                    atomic insert, after the report, so a lost report is never marked done
#pragma once

#include <string>
#include <string_view>

#include "common/state_key.hpp"

namespace turnpike::payments::stripe::keys {

using payments::stateKey;

inline constexpr std::string_view kSessionPrefix = "session:";
inline constexpr std::string_view kPaidPrefix = "paid:";

inline std::string session(std::string_view id) { return stateKey(kSessionPrefix, id); }
inline std::string paid(std::string_view id) { return stateKey(kPaidPrefix, id); }

}  // namespace turnpike::payments::stripe::keys
