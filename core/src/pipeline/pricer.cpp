#include "pipeline/pricer.hpp"

namespace turnpike::pipeline {

int64_t Pricer::cost(const ModelRoute& route, const billing::MeteredUsage& usage, bool stream, const Payer& payer) const {
  const config::Price& configured = route.model.price;
  // A model configured free is free whatever a script says: served without a key or a hold.
  if (configured.isFree()) return 0;
  // Per-second prices are outside what price() is told: the configured price decides.
  if (engine_ == nullptr || (configured.second > 0 && usage.milliseconds > 0))
    return billing::costOf(configured, usage, markupPpm_);
  policy::PriceUsage u{route.id(),         route.providerName(), usage.promptTokens, usage.completionTokens,
                       usage.cachedTokens, usage.images,         stream,             usage.cacheWriteTokens};
  policy::PriceContext ctx{payer.accountId, payer.tier, policy::pricesOf(configured), markupPpm_};
  auto outcome = engine_->price(u, ctx);
  if (outcome.ok()) return outcome.amount;
  errors_.with({"price", policy::kindName(outcome.error.kind)}).add();
  return billing::costOf(configured, usage, markupPpm_);
}

}  // namespace turnpike::pipeline
