// application/x-www-form-urlencoded bodies for Stripe's API, with its bracket notation for
// nested parameters: {"line_items", "0", "price_data", "currency"} -> line_items[0][price_data][currency].
#pragma once

#include <string>
#include <vector>

namespace turnpike::payments::stripe {

struct FormField {
  std::vector<std::string> path;  // key, then nested keys or array indexes
  std::string value;
};

// Fields joined with '&' in the given order; key segments and values are percent-encoded
// with sdk::encoding::percentEncode (space is %20), the brackets stay literal as Stripe's own
// libraries send them. A field with an empty path is a programming error (std::invalid_argument).
std::string encodeForm(const std::vector<FormField>& fields);

}  // namespace turnpike::payments::stripe
