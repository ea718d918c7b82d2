#pragma once

#include <string>

namespace turnpike::app {

// Routes every Poco logger to stderr with timestamps, at `level` (Poco level name).
void setupLogging(const std::string& level);

}  // namespace turnpike::app
