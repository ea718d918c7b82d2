#pragma once

namespace turnpike::net {

// curl_global_init once per process, before the first handle.
void ensureCurlGlobal();

}  // namespace turnpike::net
