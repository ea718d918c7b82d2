#pragma once

#include <stdexcept>

namespace turnpike::store {

// A storage failure (I/O, constraint violated by a bug, schema mismatch): not an expected outcome.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace turnpike::store
