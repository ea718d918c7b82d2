// The answers to callers the identify and admit stages turn away.
#pragma once

#include <cstdint>
#include <string>

#include "billing/billing_service.hpp"
#include "http/response.hpp"

namespace turnpike::pipeline {

// 401 for key problems, 402 for money, 403 for scope and key limits.
http::Response refusalResponse(billing::Refusal refusal, int64_t available, const std::string& unit);

}  // namespace turnpike::pipeline
