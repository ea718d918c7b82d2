// Server-sent events through sdk::SseParser: the events do not depend on how the stream is cut
// (whole, at random points, one byte at a time, a CR and its LF in different reads), and no
// event carries a line end in its name or id, or a CR in its data.
#include <fuzzer/FuzzedDataProvider.h>
#include <turnpike/sse_parser.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_check.hpp"

namespace {

struct Event {
  std::string event, data, id;
  bool operator==(const Event&) const = default;
};

struct Outcome {
  std::vector<Event> events;
  bool pending = false;
  bool operator==(const Outcome&) const = default;
};

Outcome parse(std::string_view stream, const std::vector<size_t>& cuts) {
  turnpike::sdk::SseParser parser;
  Outcome out;
  auto onEvent = [&](const turnpike::sdk::SseEvent& e) {
    out.events.push_back({std::string(e.event), std::string(e.data), std::string(e.id)});
  };
  size_t from = 0;
  for (size_t cut : cuts) {
    parser.feed(stream.substr(from, cut - from), onEvent);
    from = cut;
  }
  parser.feed(stream.substr(from), onEvent);
  out.pending = parser.pending();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  std::vector<uint16_t> raw(fdp.ConsumeIntegralInRange<size_t>(0, 8));
  for (auto& r : raw) r = fdp.ConsumeIntegral<uint16_t>();
  std::string stream = fdp.ConsumeRemainingBytesAsString();

  std::vector<size_t> cuts;
  for (uint16_t r : raw) cuts.push_back(r % (stream.size() + 1));
  std::sort(cuts.begin(), cuts.end());
  std::vector<size_t> everyByte(stream.size());
  for (size_t i = 0; i < everyByte.size(); ++i) everyByte[i] = i;

  Outcome whole = parse(stream, {});
  FUZZ_CHECK(parse(stream, cuts) == whole);
  FUZZ_CHECK(parse(stream, everyByte) == whole);
  for (const Event& e : whole.events) {
    FUZZ_CHECK(e.event.find_first_of("\r\n") == std::string::npos);
    FUZZ_CHECK(e.id.find_first_of("\r\n") == std::string::npos);
    FUZZ_CHECK(e.data.find('\r') == std::string::npos);
  }
  return 0;
}
