// A throwaway self-signed TLS certificate (EC P-256, as LND makes its tls.cert) for fake nodes,
// written to a temporary directory because Poco's TLS context reads files.
#pragma once

#include <string>

namespace turnpike::lightning_test {

class SelfSignedCert {
 public:
  SelfSignedCert();  // throws on OpenSSL failure
  ~SelfSignedCert();
  SelfSignedCert(const SelfSignedCert&) = delete;
  SelfSignedCert& operator=(const SelfSignedCert&) = delete;

  const std::string& certPem() const { return certPem_; }
  const std::string& certFile() const { return certFile_; }
  const std::string& keyFile() const { return keyFile_; }

 private:
  std::string dir_;
  std::string certPem_;
  std::string certFile_;
  std::string keyFile_;
};

}  // namespace turnpike::lightning_test
