#include "gateway_fixture.hpp"

#include "config/config_loader.hpp"

namespace turnpike::test {

std::string pluginDir() { return TURNPIKE_TEST_PLUGIN_DIR; }

GatewayFixture::GatewayFixture(const std::string& yaml) {
  auto config = config::parseConfigText(yaml, "test.yaml");
  config.server.host = "127.0.0.1";
  config.server.port = 0;
  if (config.server.workers == 0) config.server.workers = 2;
  gateway_ = std::make_unique<app::Gateway>(std::move(config), pluginDir());
  gateway_->start();
}

GatewayFixture::~GatewayFixture() { gateway_->stop(); }

std::string expand(std::string text, const std::string& key, const std::string& value) {
  std::string token = "{{" + key + "}}";
  for (size_t pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos + value.size()))
    text.replace(pos, token.size(), value);
  return text;
}

}  // namespace turnpike::test
