#pragma once

#include <string>

namespace turnpike::util {

// "req_<process prefix><counter>": unique within the process and across restarts, without a
// random draw per request.
std::string nextRequestId();

}  // namespace turnpike::util
