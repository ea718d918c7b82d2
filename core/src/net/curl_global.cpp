#include "net/curl_global.hpp"

#include <curl/curl.h>

namespace turnpike::net {

namespace {
struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};
}  // namespace

void ensureCurlGlobal() { static CurlGlobal global; }

}  // namespace turnpike::net
