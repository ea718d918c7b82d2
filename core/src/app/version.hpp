#pragma once

namespace turnpike {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace turnpike
