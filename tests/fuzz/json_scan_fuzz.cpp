// sdk::json_scan over any bytes: every member it reports lies inside the input, and on valid
// JSON (as nlohmann decides) it sees every top-level member, each value is itself valid JSON equal
// to what the parser read, and findUint / isEmptyArray agree with the parser.
#include <turnpike/json_scan.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_check.hpp"

namespace {

namespace json_scan = turnpike::sdk::json_scan;
using nlohmann::json;

// Counts the keys of the top-level object, duplicates included (the DOM keeps only one).
struct TopLevelKeys : nlohmann::json_sax<json> {
  int depth = 0;
  size_t keys = 0;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return ++depth, true; }
  bool key(string_t&) override { return keys += depth == 1, true; }
  bool end_object() override { return --depth, true; }
  bool start_array(std::size_t) override { return ++depth, true; }
  bool end_array() override { return --depth, true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

bool inside(std::string_view outer, std::string_view part) {
  return part.data() >= outer.data() && part.data() + part.size() <= outer.data() + outer.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  struct Seen {
    std::string_view key;
    json_scan::Member member;
  };
  std::vector<Seen> seen;
  json_scan::forEachMember(input, [&](std::string_view key, const json_scan::Member& m) {
    FUZZ_CHECK(inside(input, key));
    FUZZ_CHECK(inside(input, m.value) && m.value.data() == input.data() + m.valueOffset);
    seen.push_back({key, m});
    return true;
  });
  if (!seen.empty()) {
    auto first = json_scan::find(input, seen.front().key);
    FUZZ_CHECK(first && first->valueOffset == seen.front().member.valueOffset);
  }

  // nlohmann skips a leading byte order mark, which no JSON API sends and json_scan does not.
  if (input.substr(0, 3) == "\xEF\xBB\xBF") return 0;
  json document = json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) return 0;

  TopLevelKeys counter;
  FUZZ_CHECK(json::sax_parse(input, &counter));
  FUZZ_CHECK(seen.size() == counter.keys);

  std::map<std::string_view, size_t> repeats;
  for (const auto& s : seen) ++repeats[s.key];
  for (const auto& s : seen) {
    json value = json::parse(s.member.value, nullptr, false);
    FUZZ_CHECK(!value.is_discarded());
    // Keys are compared raw: only an unescaped key that occurs once names one DOM member.
    if (s.key.find('\\') != std::string_view::npos || repeats[s.key] != 1) continue;
    const json& expected = document.at(std::string(s.key));
    FUZZ_CHECK(value == expected);
    auto number = json_scan::findUint(input, s.key);
    FUZZ_CHECK(number.has_value() == expected.is_number_unsigned());
    if (number) FUZZ_CHECK(*number == expected.get<uint64_t>());
    FUZZ_CHECK(json_scan::isEmptyArray(s.member.value) == (expected.is_array() && expected.empty()));
  }
  return 0;
}
