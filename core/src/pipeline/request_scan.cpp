#include "pipeline/request_scan.hpp"

#include <cctype>
#include <deque>
#include <span>
#include <vector>

#include "http/api_error.hpp"
#include "policy/code_signals.hpp"
#include "util/strings.hpp"

namespace turnpike::pipeline {

using http::ApiError;

namespace {

constexpr int kMaxDepth = 64;
constexpr uint32_t kMaxCodeSignals = 1000;

[[noreturn]] void invalid(std::string param, std::string message, std::string code = "invalid_value") {
  throw ApiError(400, std::move(code), std::move(message), std::move(param));
}

[[noreturn]] void wrongType(const std::string& param, const char* expected) {
  invalid(param, "'" + param + "' must be " + expected, "invalid_type");
}

// Appends the UTF-8 encoding of `cp`.
void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

uint32_t hex4(std::string_view s) {
  uint32_t v = 0;
  for (char c : s) v = (v << 4) | static_cast<uint32_t>(util::hexValue(c));
  return v;
}

// Decodes the raw contents of an already validated JSON string.
std::string unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        uint32_t cp = hex4(raw.substr(i + 1, 4));
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u') {
          uint32_t low = hex4(raw.substr(i + 3, 4));
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        appendUtf8(out, cp);
        break;
      }
      default: out.push_back(e);  // '"', '\\', '/'
    }
  }
  return out;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  size_t pos() const { return p_; }

  [[noreturn]] void fail(std::string_view what) const {
    throw ApiError(400, "invalid_json",
                   "request body is not valid JSON: " + std::string(what) + " at byte " + std::to_string(p_));
  }

  void ws() {
    while (p_ < s_.size()) {
      char c = s_[p_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
      ++p_;
    }
  }

  char peek() {
    ws();
    if (p_ >= s_.size()) fail("unexpected end of input");
    return s_[p_];
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++p_;
  }

  bool atEnd() {
    ws();
    return p_ >= s_.size();
  }

  // The raw contents of the string at the cursor (escapes validated, not decoded);
  // escaped() tells whether it held any.
  std::string_view string() {
    if (peek() != '"') fail("expected a string");
    escaped_ = false;
    size_t start = ++p_;
    const size_t n = s_.size();
    while (true) {
      while (p_ < n) {
        auto c = static_cast<unsigned char>(s_[p_]);
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
        ++p_;
      }
      if (p_ >= n) fail("unterminated string");
      auto c = static_cast<unsigned char>(s_[p_]);
      if (c == '"') {
        std::string_view v = s_.substr(start, p_ - start);
        ++p_;
        return v;
      }
      if (c == '\\') {
        escaped_ = true;
        escape();
      } else if (c < 0x20) {
        fail("control character in string");
      } else {
        utf8();
      }
    }
  }

  bool escaped() const { return escaped_; }

  struct Number {
    bool integer;
    std::optional<uint64_t> value;  // non-negative integers that fit
  };

  Number number() {
    size_t start = p_;
    const size_t n = s_.size();
    bool negative = p_ < n && s_[p_] == '-';
    if (negative) ++p_;
    if (p_ < n && s_[p_] == '0') {
      ++p_;
    } else if (p_ < n && s_[p_] >= '1' && s_[p_] <= '9') {
      digits();
    } else {
      fail("invalid number");
    }
    bool integer = true;
    if (p_ < n && s_[p_] == '.') {
      integer = false;
      ++p_;
      if (p_ >= n || s_[p_] < '0' || s_[p_] > '9') fail("invalid number");
      digits();
    }
    if (p_ < n && (s_[p_] == 'e' || s_[p_] == 'E')) {
      integer = false;
      ++p_;
      if (p_ < n && (s_[p_] == '+' || s_[p_] == '-')) ++p_;
      if (p_ >= n || s_[p_] < '0' || s_[p_] > '9') fail("invalid number");
      digits();
    }
    Number num{integer, std::nullopt};
    if (integer && !negative) num.value = util::parseUint(s_.substr(start, p_ - start));
    return num;
  }

  void literal(std::string_view word) {
    if (s_.compare(p_, word.size(), word) != 0) fail("invalid literal");
    p_ += word.size();
  }

  // Is the value at the cursor null? Consumes it if so.
  bool null() {
    if (peek() != 'n') return false;
    literal("null");
    return true;
  }

  // Validates and skips one value.
  void value(int depth) {
    char c = peek();
    switch (c) {
      case '"': string(); return;
      case '{': object(depth, [&](std::string_view) { value(depth + 1); }); return;
      case '[': array(depth, [&](size_t) { value(depth + 1); }); return;
      case 't': literal("true"); return;
      case 'f': literal("false"); return;
      case 'n': literal("null"); return;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          number();
          return;
        }
        fail("unexpected character");
    }
  }

  // `onMember(name)` must consume exactly the member's value. The name is decoded: "mod\u0065l"
  // is "model" to every upstream, so it is "model" here too.
  template <class OnMember>
  void object(int depth, OnMember&& onMember) {
    if (depth >= kMaxDepth) fail("nesting too deep");
    expect('{');
    if (peek() == '}') {
      ++p_;
      return;
    }
    while (true) {
      std::string_view key = string();
      std::string decoded;  // no allocation unless the name has escapes
      if (escaped_) {
        decoded = unescape(key);
        key = decoded;
      }
      expect(':');
      ws();
      onMember(key);
      char c = peek();
      ++p_;
      if (c == '}') return;
      if (c != ',') fail("expected ',' or '}'");
    }
  }

  // `onElement(index)` must consume exactly one element.
  template <class OnElement>
  void array(int depth, OnElement&& onElement) {
    if (depth >= kMaxDepth) fail("nesting too deep");
    expect('[');
    if (peek() == ']') {
      ++p_;
      return;
    }
    for (size_t i = 0;; ++i) {
      ws();
      onElement(i);
      char c = peek();
      ++p_;
      if (c == ']') return;
      if (c != ',') fail("expected ',' or ']'");
    }
  }

 private:
  void digits() {
    while (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9') ++p_;
  }

  void escape() {
    if (p_ + 1 >= s_.size()) fail("unterminated string");
    switch (s_[p_ + 1]) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        p_ += 2;
        return;
      case 'u': {
        // A surrogate must come paired: an unpaired one has no UTF-8 form, and upstreams refuse,
        // replace or keep it, each reading different text from the same bytes.
        uint32_t unit = unicodeEscape();
        if (unit >= 0xDC00 && unit <= 0xDFFF) fail("unpaired surrogate in \\u escape");
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          if (p_ + 1 >= s_.size() || s_[p_] != '\\' || s_[p_ + 1] != 'u') fail("unpaired surrogate in \\u escape");
          uint32_t low = unicodeEscape();
          if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate in \\u escape");
        }
        return;
      }
      default:
        fail("invalid escape");
    }
  }

  // The code unit of the \uXXXX escape at the cursor, which it passes.
  uint32_t unicodeEscape() {
    if (p_ + 6 > s_.size()) fail("invalid \\u escape");
    for (size_t i = 2; i < 6; ++i)
      if (util::hexValue(s_[p_ + i]) < 0) fail("invalid \\u escape");
    uint32_t unit = hex4(s_.substr(p_ + 2, 4));
    p_ += 6;
    return unit;
  }

  void utf8() {
    auto c = static_cast<unsigned char>(s_[p_]);
    size_t len;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      min = 0x10000;
    } else {
      fail("invalid UTF-8");
    }
    if (p_ + len > s_.size()) fail("invalid UTF-8");
    uint32_t cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; ++i) {
      auto d = static_cast<unsigned char>(s_[p_ + i]);
      if ((d & 0xC0) != 0x80) fail("invalid UTF-8");
      cp = (cp << 6) | (d & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid UTF-8");
    p_ += len;
  }

  std::string_view s_;
  size_t p_ = 0;
  bool escaped_ = false;
};

// Folds a member name the way Go's encoding/json matches field names: ASCII case, plus the two
// non-ASCII letters whose simple case folding reaches ASCII (U+017F ſ -> s, U+212A K -> k).
bool foldedEquals(std::string_view name, std::string_view lowerAscii) {
  size_t i = 0;
  for (char want : lowerAscii) {
    if (i >= name.size()) return false;
    auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      if (std::tolower(c) != want) return false;
      ++i;
    } else if (want == 's' && name.substr(i, 2) == "\xC5\xBF") {
      i += 2;
    } else if (want == 'k' && name.substr(i, 3) == "\xE2\x84\xAA") {
      i += 3;
    } else {
      return false;
    }
  }
  return i == name.size();
}

// The member names of one object as an upstream reads them. Upstreams keep the last of duplicate
// members and some match names without regard to case, so a member the gateway reads must come
// once and in its own spelling: otherwise billing and routing would read one request and the
// upstream another. Every API family's reader declares its watched names here; this is the one
// place that decides.
class MemberNames {
 public:
  // `watched`: the names the reader depends on (lower-case ASCII), at most 32. `allUnique`: no
  // name at all may repeat (the top level of a request). `path`: the object's parameter path
  // ("" at the top level).
  MemberNames(std::span<const std::string_view> watched, bool allUnique, std::string_view path = {})
      : watched_(watched), allUnique_(allUnique), path_(path) {}

  // The index of `name` in the watched names, or -1 for another name. Throws 400 for a
  // duplicate or a case variant of a watched name, and for any duplicate when allUnique.
  // `decoded`: the name was written with escapes (and `name` does not point into the body).
  int check(std::string_view name, bool decoded) {
    int index = 0;
    for (std::string_view w : watched_) {
      if (name == w) {
        if (seen_ & (1u << index)) refuse(name, "duplicate_parameter", "appears more than once");
        seen_ |= 1u << index;
        return index;
      }
      if (foldedEquals(name, w))
        refuse(name, "invalid_parameter", "is another spelling of '" + std::string(w) + "'; write it '" + std::string(w) + "'");
      ++index;
    }
    if (allUnique_) {
      for (std::string_view other : others_)
        if (other == name) refuse(name, "duplicate_parameter", "appears more than once");
      if (decoded) {
        decodedNames_.emplace_back(name);
        name = decodedNames_.back();
      }
      if (others_.empty()) others_.reserve(16);
      others_.push_back(name);
    }
    return -1;
  }

 private:
  [[noreturn]] void refuse(std::string_view name, std::string_view code, const std::string& why) const {
    std::string param = path_.empty() ? std::string(name) : std::string(path_) + "." + std::string(name);
    throw ApiError(400, code, "the member '" + param + "' " + why, param);
  }

  std::span<const std::string_view> watched_;
  bool allUnique_;
  std::string_view path_;
  uint32_t seen_ = 0;
  std::vector<std::string_view> others_;  // into the body, or into decodedNames_
  std::deque<std::string> decodedNames_;
};

class RequestReader {
 public:
  RequestReader(tp_operation op, std::string_view body) : op_(op), in_(body) {}

  RequestSummary read() {
    bool sawModel = false, sawMessages = false, sawPrompt = false, sawInput = false;
    // What billing, routing and dispatch read at the top level, in every operation.
    enum { kModel, kStream, kStreamOptions, kMaxTokens, kMaxCompletionTokens, kN, kMessages, kPrompt, kInput,
           kTools, kFunctions, kPlugins, kMetadata };
    static constexpr std::string_view kWatched[] = {"model",  "stream",   "stream_options", "max_tokens",
                                                    "max_completion_tokens", "n", "messages", "prompt",
                                                    "input",  "tools",    "functions",      "plugins",
                                                    "metadata"};
    MemberNames names(kWatched, /*allUnique=*/true);
    in_.object(0, [&](std::string_view key) {
      r_.hasMembers = true;
      switch (names.check(key, in_.escaped())) {
        case kModel:
          sawModel = true;
          readModel();
          break;
        case kStream:
          r_.stream = boolean("stream");
          break;
        case kStreamOptions:
          readStreamOptions();
          break;
        case kMaxTokens:
          r_.maxTokensMember = outputLimit("max_tokens");
          break;
        case kMaxCompletionTokens:
          r_.maxCompletionTokensMember = outputLimit("max_completion_tokens");
          break;
        case kN: {
          auto v = count("n");
          if (v && *v == 0) invalid("n", "'n' must be at least 1");
          if (v) r_.n = *v;
          break;
        }
        case kMessages:
          if (op_ != TP_OP_CHAT) {
            in_.value(1);
            break;
          }
          sawMessages = true;
          readMessages();
          break;
        case kTools:
        case kFunctions:
          readTools(std::string(key));
          break;
        case kMetadata:
          readMetadata();
          break;
        case kPrompt:
          if (op_ != TP_OP_COMPLETION) {
            in_.value(1);
            break;
          }
          sawPrompt = !in_.null();
          if (sawPrompt) textValue("prompt");
          break;
        case kInput:
          if (op_ != TP_OP_EMBEDDING) {
            in_.value(1);
            break;
          }
          sawInput = !in_.null();
          if (sawInput) textValue("input");
          break;
        default:
          in_.value(1);
      }
    });
    r_.closingBrace = in_.pos() - 1;
    if (!in_.atEnd()) in_.fail("trailing characters after the JSON value");
    for (const auto* limit : {&r_.maxTokensMember, &r_.maxCompletionTokensMember})
      if (limit->value) r_.maxTokens = std::max(r_.maxTokens.value_or(0), *limit->value);

    if (!sawModel) invalid("model", "you must provide a model parameter", "missing_required_parameter");
    switch (op_) {
      case TP_OP_CHAT:
      case TP_OP_COUNT_TOKENS:
        if (!sawMessages) invalid("messages", "you must provide a messages parameter", "missing_required_parameter");
        break;
      case TP_OP_COMPLETION:
        if (!sawPrompt) invalid("prompt", "you must provide a prompt parameter", "missing_required_parameter");
        break;
      case TP_OP_EMBEDDING:
        if (!sawInput) invalid("input", "you must provide an input parameter", "missing_required_parameter");
        if (r_.stream) invalid("stream", "embeddings cannot be streamed");
        break;
    }
    return std::move(r_);
  }

 private:
  void readModel() {
    size_t start = in_.pos();
    if (in_.peek() != '"') wrongType("model", "a non-empty string");
    std::string_view raw = in_.string();
    if (raw.empty()) wrongType("model", "a non-empty string");
    r_.model = decoded(raw);
    r_.modelValue = Span{start, in_.pos()};
  }

  bool boolean(const std::string& param) {
    char c = in_.peek();
    if (c == 't') {
      in_.literal("true");
      return true;
    }
    if (c == 'f') {
      in_.literal("false");
      return false;
    }
    if (c == 'n') {
      in_.literal("null");
      return false;
    }
    wrongType(param, "a boolean");
  }

  std::optional<uint64_t> count(const std::string& param) {
    if (in_.null()) return std::nullopt;
    char c = in_.peek();
    if (c != '-' && (c < '0' || c > '9')) wrongType(param, "a non-negative integer");
    auto n = in_.number();
    if (!n.integer || !n.value) wrongType(param, "a non-negative integer");
    return n.value;
  }

  OutputLimit outputLimit(const std::string& param) {
    size_t start = in_.pos();
    OutputLimit limit;
    limit.value = count(param);
    limit.span = Span{start, in_.pos()};
    return limit;
  }

  void readStreamOptions() {
    size_t start = in_.pos();
    if (!in_.null()) {
      if (in_.peek() != '{') wrongType("stream_options", "an object");
      static constexpr std::string_view kWatched[] = {"include_usage"};
      MemberNames names(kWatched, /*allUnique=*/false, "stream_options");
      in_.object(1, [&](std::string_view key) {
        if (names.check(key, in_.escaped()) == 0) {
          r_.clientWantsUsage = boolean("stream_options.include_usage");
        } else {
          in_.value(2);
        }
      });
    }
    r_.streamOptionsValue = Span{start, in_.pos()};  // null too: it is replaced, not repeated
  }

  // OpenAI's shape, which routing scripts see as req.metadata: at most 16 string values, keys of
  // at most 64 characters, values of at most 512.
  void readMetadata() {
    constexpr size_t kMaxPairs = 16, kMaxKey = 64, kMaxValue = 512;
    if (in_.null()) return;
    if (in_.peek() != '{') wrongType("metadata", "an object of strings");
    nlohmann::json pairs = nlohmann::json::object();
    in_.object(1, [&](std::string_view name) {  // decoded by object()
      if (in_.peek() != '"') wrongType("metadata", "an object of strings");
      std::string key(name), value = decoded(in_.string());
      if (characters(key) > kMaxKey) invalid("metadata", "metadata keys are at most 64 characters");
      if (characters(value) > kMaxValue) invalid("metadata", "metadata values are at most 512 characters");
      if (pairs.size() == kMaxPairs && !pairs.contains(key)) invalid("metadata", "metadata holds at most 16 pairs");
      pairs[key] = std::move(value);
    });
    r_.metadata = std::move(pairs);
  }

  static std::string decoded(std::string_view raw) {
    return raw.find('\\') == std::string_view::npos ? std::string(raw) : unescape(raw);
  }

  // Code points of valid UTF-8: the bytes that do not continue a sequence.
  static size_t characters(std::string_view utf8) {
    size_t n = 0;
    for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  }

  void readMessages() {
    if (in_.peek() != '[') wrongType("messages", "a non-empty array");
    in_.array(1, [&](size_t i) {
      std::string param = "messages[" + std::to_string(i) + "]";
      if (in_.peek() != '{') wrongType(param, "an object");
      bool sawRole = false;
      static constexpr std::string_view kWatched[] = {"role", "content"};
      MemberNames names(kWatched, /*allUnique=*/false, param);
      in_.object(2, [&](std::string_view key) {
        switch (names.check(key, in_.escaped())) {
          case 0:
            if (in_.peek() != '"') wrongType(param + ".role", "a string");
            in_.string();
            sawRole = true;
            break;
          case 1:
            readContent(param + ".content");
            break;
          default:
            in_.value(3);
        }
      });
      if (!sawRole) wrongType(param + ".role", "a string");
      ++r_.messageCount;
    });
    if (r_.messageCount == 0) wrongType("messages", "a non-empty array");
  }

  void readContent(const std::string& param) {
    char c = in_.peek();
    if (c == 'n') {
      in_.literal("null");
    } else if (c == '"') {
      text(in_.string());
    } else if (c == '[') {
      in_.array(3, [&](size_t j) { readPart(param + "[" + std::to_string(j) + "]"); });
    } else {
      wrongType(param, "a string or an array of content parts");
    }
  }

  // A content part: {"type": "text", "text": ...} or an image/audio/file part.
  void readPart(const std::string& param) {
    if (in_.peek() != '{') {
      in_.value(4);
      return;
    }
    // Images are priced per image: their names are watched as closely as the text.
    static constexpr std::string_view kWatched[] = {"text", "image_url", "input_image", "image"};
    MemberNames names(kWatched, /*allUnique=*/false, param);
    in_.object(4, [&](std::string_view key) {
      int member = names.check(key, in_.escaped());
      if (member == 0 && in_.peek() == '"') {
        text(in_.string());
      } else if (member > 0) {
        ++r_.imageCount;
        in_.value(5);
      } else {
        in_.value(5);
      }
    });
  }

  void readTools(const std::string& param) {
    size_t start = in_.pos();
    if (in_.null()) return;
    if (in_.peek() != '[') wrongType(param, "an array");
    size_t count = 0;
    in_.array(1, [&](size_t) {
      ++count;
      in_.value(2);
    });
    r_.hasTools = r_.hasTools || count > 0;
    r_.promptBytes += in_.pos() - start;  // tool schemas are prompt tokens too
  }

  // prompt / input: a string or an array (of strings, token ids or arrays of token ids).
  void textValue(const std::string& param) {
    size_t start = in_.pos();
    char c = in_.peek();
    if (c == '"') {
      text(in_.string());
      return;
    }
    if (c != '[') wrongType(param, "a string or an array");
    size_t elements = 0;
    in_.array(1, [&](size_t) {
      ++elements;
      in_.value(2);
    });
    if (elements == 0) wrongType(param, "a string or a non-empty array");
    r_.promptBytes += in_.pos() - start;
  }

  void text(std::string_view raw) {
    r_.promptBytes += raw.size();
    if (r_.codeSignals >= kMaxCodeSignals) return;
    // Lines are what the counter looks at: decode "\n" escapes first when there are any.
    r_.codeSignals += raw.find('\\') == std::string_view::npos ? policy::countCodeSignals(raw, kMaxCodeSignals)
                                                                  : policy::countCodeSignals(unescape(raw), kMaxCodeSignals);
    r_.codeSignals = std::min(r_.codeSignals, kMaxCodeSignals);
  }

  tp_operation op_;
  Scanner in_;
  RequestSummary r_;
};

}  // namespace

RequestSummary scanRequest(tp_operation operation, std::string_view body) {
  Scanner probe(body);
  if (probe.atEnd()) throw ApiError(400, "invalid_json", "request body is empty");
  if (probe.peek() != '{') throw ApiError(400, "invalid_json", "request body must be a JSON object");
  return RequestReader(operation, body).read();
}

namespace {

// nlohmann's DOM builder with MemberNames on every object. nlohmann checks the JSON itself
// (RFC 8259, UTF-8, paired surrogates).
class StrictDomBuilder {
 public:
  using Json = nlohmann::json;
  StrictDomBuilder(Json& root, std::span<const std::string_view> watched) : dom_(root, true), watched_(watched) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(Json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& s) { return dom_.number_float(v, s); }
  bool string(Json::string_t& v) { return dom_.string(v); }
  bool binary(Json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) {
    deeper();
    // Names inside nested objects are reported with the path of the member that holds them.
    paths_.push_back(names_.empty() ? std::string() : lastKey_);
    names_.emplace_back(names_.empty() ? watched_ : std::span<const std::string_view>(), true, paths_.back());
    return dom_.start_object(n);
  }
  bool key(Json::string_t& k) {
    names_.back().check(k, /*decoded=*/true);
    lastKey_ = paths_.back().empty() ? k : paths_.back() + "." + k;
    return dom_.key(k);
  }
  bool end_object() {
    names_.pop_back();
    paths_.pop_back();
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) {
    deeper();
    return dom_.start_array(n);
  }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  template <class Exception>
  bool parse_error(std::size_t position, const std::string&, const Exception&) {
    throw ApiError(400, "invalid_json",
                   "the request body is not valid JSON (at byte " + std::to_string(position > 0 ? position - 1 : 0) + ")");
  }

 private:
  void deeper() {
    if (++depth_ > kMaxDepth) throw ApiError(400, "invalid_json", "the request body nests deeper than 64 levels");
  }

  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  std::span<const std::string_view> watched_;
  std::deque<MemberNames> names_;
  std::deque<std::string> paths_;  // MemberNames keeps a view of its path
  std::string lastKey_;
  int depth_ = 0;
};

}  // namespace

nlohmann::json parseRequestDocument(std::string_view body, std::span<const std::string_view> watched) {
  nlohmann::json root;
  StrictDomBuilder builder(root, watched);
  nlohmann::json::sax_parse(body, &builder);
  if (!root.is_object()) throw ApiError(400, "invalid_json", "the request body must be a JSON object");
  return root;
}

}  // namespace turnpike::pipeline
