#include "stripe/checkout_request.hpp"

#include <algorithm>

#include "stripe/form_encoding.hpp"

namespace turnpike::payments::stripe {

namespace {

constexpr int64_t kMinLifetime = 30 * 60 + 60;
constexpr int64_t kMaxLifetime = 24 * 3600 - 60;

std::string withTopupId(std::string url, std::string_view topupId) {
  constexpr std::string_view kPlaceholder = "{TOPUP_ID}";
  for (size_t at = url.find(kPlaceholder); at != std::string::npos; at = url.find(kPlaceholder, at + topupId.size()))
    url.replace(at, kPlaceholder.size(), topupId);
  return url;
}

}  // namespace

int64_t sessionExpiry(int64_t topupExpiresAt, int64_t now) {
  return std::clamp(topupExpiresAt, now + kMinLifetime, now + kMaxLifetime);
}

std::string checkoutSessionForm(const PluginConfig& config, const CheckoutOrder& order) {
  const std::vector<std::string> item{"line_items", "0"};
  auto itemField = [&](std::initializer_list<std::string> rest, std::string value) {
    FormField f{item, std::move(value)};
    f.path.insert(f.path.end(), rest);
    return f;
  };
  std::vector<FormField> fields{
      {{"mode"}, "payment"},
      {{"client_reference_id"}, order.topupId},
      {{"success_url"}, withTopupId(config.successUrl, order.topupId)},
      itemField({"price_data", "currency"}, "usd"),
      itemField({"price_data", "unit_amount"}, std::to_string(order.amountCents)),
      itemField({"price_data", "product_data", "name"}, config.productName),
      itemField({"quantity"}, "1"),
      {{"metadata", "topup_id"}, order.topupId},
      {{"metadata", "amount_msat"}, std::to_string(order.amountMsat)},
      // The payment, too, names its top-up in the Dashboard and in exports.
      {{"payment_intent_data", "metadata", "topup_id"}, order.topupId},
      {{"expires_at"}, std::to_string(order.expiresAt)},
  };
  if (!config.cancelUrl.empty()) fields.push_back({{"cancel_url"}, withTopupId(config.cancelUrl, order.topupId)});
  if (!order.description.empty())
    fields.push_back(itemField({"price_data", "product_data", "description"}, order.description));
  return encodeForm(fields);
}

std::string idempotencyKey(std::string_view topupId) { return "turnpike-checkout-" + std::string(topupId); }

}  // namespace turnpike::payments::stripe
