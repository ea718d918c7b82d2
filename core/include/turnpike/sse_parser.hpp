// Incremental server-sent-events parser (WHATWG EventSource rules) for provider plugins.
// Feed it bytes as they arrive; it calls back once per complete event.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace turnpike::sdk {

struct SseEvent {
  std::string_view event;  // empty means "message"
  std::string_view data;   // data lines joined with '\n'
  std::string_view id;
};

class SseParser {
 public:
  // `onEvent(const SseEvent&)` is called for each event dispatched by a blank line.
  template <class OnEvent>
  void feed(std::string_view bytes, OnEvent&& onEvent) {
    // An empty read carries nothing, not even the end of a "\r" + "\n" split across reads.
    if (bytes.empty()) return;
    size_t start = 0;
    // A '\r' at the end of the previous feed may be half of "\r\n".
    if (skipLeadingLf_ && bytes.front() == '\n') start = 1;
    skipLeadingLf_ = false;
    for (size_t i = lineEnd(bytes, start); i != std::string_view::npos; i = lineEnd(bytes, start)) {
      char c = bytes[i];
      std::string_view piece = bytes.substr(start, i - start);
      if (!partial_.empty()) {
        partial_.append(piece);
        line(partial_, onEvent);
        partial_.clear();
      } else {
        line(piece, onEvent);
      }
      if (c == '\r') {
        if (i + 1 < bytes.size()) {
          if (bytes[i + 1] == '\n') ++i;
        } else {
          skipLeadingLf_ = true;
        }
      }
      start = i + 1;
    }
    if (start < bytes.size()) partial_.append(bytes.substr(start));
  }

  // Bytes seen but not yet part of a dispatched event (a stream cut mid-event).
  bool pending() const { return !partial_.empty() || hasData_; }

 private:
  // The first '\r' or '\n' at or after `from`, or npos. memchr rather than a byte loop: this
  // runs over every byte of every stream.
  static size_t lineEnd(std::string_view s, size_t from) {
    if (from >= s.size()) return std::string_view::npos;
    const char* base = s.data();
    const void* lf = std::memchr(base + from, '\n', s.size() - from);
    size_t end = lf != nullptr ? static_cast<size_t>(static_cast<const char*>(lf) - base) : s.size();
    if (const void* cr = std::memchr(base + from, '\r', end - from))
      return static_cast<size_t>(static_cast<const char*>(cr) - base);
    return lf != nullptr ? end : std::string_view::npos;
  }

  template <class OnEvent>
  void line(std::string_view l, OnEvent& onEvent) {
    if (l.empty()) {
      if (hasData_) {
        SseEvent ev{event_, data_, id_};
        onEvent(ev);
      }
      data_.clear();
      event_.clear();
      hasData_ = false;
      return;
    }
    if (l.front() == ':') return;  // comment / keep-alive
    size_t colon = l.find(':');
    std::string_view field = l.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = l.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      if (hasData_) data_.push_back('\n');
      data_.append(value);
      hasData_ = true;
    } else if (field == "event") {
      event_.assign(value);
    } else if (field == "id") {
      id_.assign(value);
    }
  }

  std::string partial_;
  std::string data_;
  std::string event_;
  std::string id_;
  bool hasData_ = false;
  bool skipLeadingLf_ = false;
};

}  // namespace turnpike::sdk
