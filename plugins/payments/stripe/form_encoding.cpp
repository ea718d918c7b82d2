#include "stripe/form_encoding.hpp"

#include <stdexcept>

#include <turnpike/encoding.hpp>

namespace turnpike::payments::stripe {

using sdk::encoding::percentEncode;

std::string encodeForm(const std::vector<FormField>& fields) {
  std::string out;
  for (const auto& f : fields) {
    if (f.path.empty()) throw std::invalid_argument("stripe: form field without a name");
    if (!out.empty()) out.push_back('&');
    out += percentEncode(f.path[0]);
    for (size_t i = 1; i < f.path.size(); ++i) {
      out.push_back('[');
      out += percentEncode(f.path[i]);
      out.push_back(']');
    }
    out.push_back('=');
    out += percentEncode(f.value);
  }
  return out;
}

}  // namespace turnpike::payments::stripe
