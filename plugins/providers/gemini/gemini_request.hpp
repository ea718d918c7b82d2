// Canonical (OpenAI chat / embeddings) requests -> Gemini REST request bodies. Throws
// std::invalid_argument with a message meant for the client when a request cannot be expressed.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace turnpike::gemini {

// The generateContent / streamGenerateContent body for `model` (no "models/" prefix).
// `safetySettings`: the provider's configured list (null: none).
nlohmann::json generateContentBody(const nlohmann::json& chat, const std::string& model,
                                   const nlohmann::json& safetySettings);

// The countTokens body for a chat request: {"generateContentRequest": {...}} for `model` (no
// "models/" prefix).
nlohmann::json countTokensBody(const nlohmann::json& chat, const std::string& model);

// The batchEmbedContents body for an OpenAI embeddings request.
nlohmann::json batchEmbedBody(const nlohmann::json& embeddings, const std::string& model);

}  // namespace turnpike::gemini
