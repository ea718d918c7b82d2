// Gemini REST responses -> canonical OpenAI chat events (chat.completion, chat.completion.chunk,
// the usage-only chunk), embeddings lists and {"input_tokens": N} counts. One per exchange:
// nothing is shared between concurrent streams.
#pragma once

#include <turnpike/plugin.hpp>
#include <turnpike/sse_parser.hpp>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>

namespace turnpike::gemini {

// usageMetadata -> Usage: prompt = promptTokenCount (cache reads included) + toolUsePromptTokenCount,
// completion = candidatesTokenCount + thoughtsTokenCount (thoughts are billed as output).
std::optional<sdk::Usage> usageOf(const nlohmann::json& usageMetadata);
nlohmann::json usageJson(const sdk::Usage& usage);

// Gemini's finishReason for a candidate; `calledTools`: the candidate carried function calls.
std::string finishReasonOf(const std::string& geminiReason, bool calledTools);

// {"error":{"code","message","status"}} (or any other body) -> emitter.error with the status
// lower-cased as the code. `secret` is scrubbed from the message.
void emitGeminiError(int status, std::string_view body, const std::string& secret, sdk::Emitter& emitter);

class GeminiStream final : public sdk::ResponseStream {
 public:
  // `base64Embeddings`: the embeddings request asked for encoding_format "base64".
  GeminiStream(tp_operation operation, bool stream, std::string model, std::string secret, bool base64Embeddings);

  void onData(int status, std::string_view bytes, bool end, sdk::Emitter& emitter) override;

 private:
  struct Candidate {
    bool started = false;
    bool finished = false;
    bool calledTools = false;
    int toolCalls = 0;
  };

  void onWhole(std::string_view body, sdk::Emitter& emitter);
  void onChat(const nlohmann::json& response, sdk::Emitter& emitter);
  void onEmbeddings(const nlohmann::json& response, sdk::Emitter& emitter);
  void onFrame(std::string_view data, sdk::Emitter& emitter);
  void finishStream(sdk::Emitter& emitter);

  nlohmann::json chunk(int index, nlohmann::json delta, const nlohmann::json& finish = nullptr) const;
  void emit(const nlohmann::json& j, sdk::Emitter& emitter, uint32_t flags = 0) const;
  // A canonical tool call from a functionCall part; advances the candidate's tool ordinal.
  nlohmann::json toolCall(const nlohmann::json& part, Candidate& candidate);
  std::string randomHex(int bytes);

  tp_operation operation_;
  bool stream_;
  bool base64Embeddings_;
  std::string model_;
  std::string secret_;
  std::string id_;
  int64_t created_;
  std::mt19937_64 random_;
  sdk::SseParser parser_;
  std::map<int, Candidate> candidates_;
  std::optional<sdk::Usage> usage_;
  bool failed_ = false;
};

}  // namespace turnpike::gemini
