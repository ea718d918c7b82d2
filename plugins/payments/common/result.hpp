// A value or the reason there is none: how the payment protocol libraries report expected
// failures (bad checksum, wrong signature, malformed input) without exceptions.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace turnpike::payments {

template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose, `return value;`

  static Result failure(std::string reason) {
    Result r;
    r.error_ = std::move(reason);
    return r;
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  // Reading the value of a failed result is a programming error.
  const T& value() const& {
    if (!value_) throw std::logic_error("Result has no value: " + error_);
    return *value_;
  }
  T& value() & {
    if (!value_) throw std::logic_error("Result has no value: " + error_);
    return *value_;
  }
  T&& value() && {
    if (!value_) throw std::logic_error("Result has no value: " + error_);
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // Empty when ok().
  const std::string& error() const { return error_; }

 private:
  Result() = default;

  std::optional<T> value_;
  std::string error_;
};

// Shorthand for `return fail("reason");` in functions returning any Result<T>.
struct Failure {
  std::string reason;
  template <class T>
  operator Result<T>() const {  // NOLINT: implicit on purpose
    return Result<T>::failure(reason);
  }
};
inline Failure fail(std::string reason) { return Failure{std::move(reason)}; }

}  // namespace turnpike::payments
