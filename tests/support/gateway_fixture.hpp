// The real gateway, in process, on a free port, loading the real plugins from the build tree.
#pragma once

#include <memory>
#include <string>

#include "app/gateway.hpp"

namespace turnpike::test {

// The directory the build put the plugins in.
std::string pluginDir();

class GatewayFixture {
 public:
  // `yaml` is a whole config; server.listen is forced to 127.0.0.1:0.
  explicit GatewayFixture(const std::string& yaml);
  ~GatewayFixture();

  uint16_t port() const { return gateway_->port(); }
  app::Gateway& gateway() { return *gateway_; }

 private:
  std::unique_ptr<app::Gateway> gateway_;
};

// Replaces every "{{key}}" in `text`.
std::string expand(std::string text, const std::string& key, const std::string& value);

}  // namespace turnpike::test
