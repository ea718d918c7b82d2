#include "api/responses/responses_handler.hpp"

#include <Poco/Logger.h>

#include "dialects/responses/responses_dialect.hpp"
#include "http/api_error.hpp"
#include "pipeline/request_scan.hpp"

namespace turnpike::api {

namespace {

using dialects::Dialect;
using nlohmann::json;

Poco::Logger& log() { return Poco::Logger::get("responses"); }

// Answers the exchange with what `task` returns (or throws), computed on a worker.
void answerFromWorker(const ResponsesHandler::Offload& offload, const std::shared_ptr<http::Exchange>& exchange,
                      std::function<http::Response()> task) {
  if (!offload([exchange, task = std::move(task)] { exchange->respondFromAnyThread(http::guarded(task)); }))
    exchange->respond(http::busyResponse());
}

}  // namespace

void ResponsesHandler::registerRoutes(http::Router& router) {
  router.add("POST", "/v1/responses",
             [this](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) { create(ex); });
  router.add("GET", "/v1/responses/{id}", [this](const std::shared_ptr<http::Exchange>& ex, const http::PathParams& p) {
    std::string id = p.get("id");
    withAccount(ex, [this, ex, id](std::string account) {
      answerFromWorker(offload_, ex, [this, id, account] {
        auto stored = store_->get(id, account);
        if (!stored) throw http::ApiError(404, "not_found", "no stored response has the id '" + id + "'", "id");
        return http::Response::json(200, std::move(stored->response));
      });
    });
  });
  router.add("DELETE", "/v1/responses/{id}", [this](const std::shared_ptr<http::Exchange>& ex, const http::PathParams& p) {
    std::string id = p.get("id");
    withAccount(ex, [this, ex, id](std::string account) {
      answerFromWorker(offload_, ex, [this, id, account] {
        if (!store_->remove(id, account))
          throw http::ApiError(404, "not_found", "no stored response has the id '" + id + "'", "id");
        return http::Response::json(200, json{{"id", id}, {"object", "response"}, {"deleted", true}}.dump());
      });
    });
  });
}

void ResponsesHandler::withAccount(const std::shared_ptr<http::Exchange>& exchange, std::function<void(std::string)> next) {
  if (store_ == nullptr) throw http::ApiError(404, "not_found", "this gateway keeps no responses (billing is off)");
  inference_.identify(exchange, [next = std::move(next)](pipeline::Identity identity) {
    if (identity.kind != pipeline::Identity::Kind::Key)
      throw http::ApiError(401, "missing_api_key", "stored responses belong to an account: send its API key");
    next(identity.accountId);
  });
}

void ResponsesHandler::create(const std::shared_ptr<http::Exchange>& exchange) {
  std::string body = std::move(exchange->request().body);
  auto doc = std::make_shared<json>(pipeline::parseRequestDocument(body, dialects::responses::kReadMembers));
  std::string previous;
  if (auto it = doc->find("previous_response_id"); it != doc->end() && !it->is_null()) {
    if (!it->is_string() || it->get<std::string>().empty())
      throw http::ApiError(400, "invalid_type", "'previous_response_id' must be a response id", "previous_response_id");
    previous = it->get<std::string>();
  }
  if (auto it = doc->find("store"); it != doc->end() && !it->is_boolean() && !it->is_null())
    throw http::ApiError(400, "invalid_type", "'store' must be a boolean", "store");
  inference_.identify(exchange, [this, exchange, doc, body = std::move(body), previous](pipeline::Identity identity) mutable {
    if (previous.empty()) {
      serve(exchange, identity, doc, std::move(body), json::array());
      return;
    }
    if (store_ == nullptr || identity.kind != pipeline::Identity::Kind::Key)
      throw http::ApiError(404, "previous_response_not_found",
                           "previous_response_id names a stored response, and only its account's key can use it",
                           "previous_response_id");
    bool queued = offload_([this, exchange, doc, body = std::move(body), previous, identity]() mutable {
      std::optional<store::StoredResponse> stored;
      std::optional<http::Response> failed;
      try {
        stored = store_->get(previous, identity.accountId);
      } catch (...) {
        failed = http::guarded([]() -> http::Response { throw; });
      }
      exchange->loop().post([this, exchange, doc, body = std::move(body), previous, identity, stored = std::move(stored),
                             failed = std::move(failed)]() mutable {
        if (failed) {
          exchange->respond(std::move(*failed));
          return;
        }
        http::continueGuarded(*exchange, [&] {
          if (!stored)
            throw http::ApiError(404, "previous_response_not_found",
                                 "no stored response has the id '" + previous + "'", "previous_response_id");
          auto history = json::parse(stored->conversation, nullptr, false);
          if (!history.is_array()) history = json::array();
          serve(exchange, identity, doc, std::move(body), std::move(history));
        });
      });
    });
    if (!queued) exchange->respond(http::busyResponse());
  });
}

void ResponsesHandler::serve(const std::shared_ptr<http::Exchange>& exchange, const pipeline::Identity& identity,
                             std::shared_ptr<json> doc, std::string body, json history) {
  auto canonical = dialects::responses::toCanonical(*doc, history);
  auto request = std::make_shared<pipeline::InferenceRequest>(
      pipeline::translatedRequest(Dialect::OpenAIResponses, TP_OP_CHAT, std::move(body), std::move(canonical)));
  auto store = doc->find("store");
  bool asked = store == doc->end() || !store->is_boolean() || store->get<bool>();
  bool keep = store_ != nullptr && identity.kind == pipeline::Identity::Kind::Key && asked;
  InferenceHandler::Prepare prepare;
  if (keep) {
    prepare = [this, doc, history = std::move(history)](pipeline::ProxyCall& call, const pipeline::Identity& who) {
      // Kept before the client sees the response end, so that it can read it back at once.
      call.onServed([this, doc, history, account = who.accountId](std::string_view response, std::function<void()> kept) {
        auto object = json::parse(response, nullptr, false);
        std::string conversation;
        try {
          if (!object.is_object() || !object.contains("id") || !object["id"].is_string())
            throw std::runtime_error("the response has no id");
          conversation = dialects::responses::conversationAfter(*doc, history, object).dump();
        } catch (const std::exception& e) {
          log().warning(std::string("a response marked store: true could not be kept: ") + e.what());
          kept();
          return;
        }
        store_->put(object["id"].get<std::string>(), account, std::string(response), std::move(conversation),
                    [kept = std::move(kept)](store::ResponseStore::PutOutcome outcome, std::exception_ptr error) {
                      if (error || outcome != store::ResponseStore::PutOutcome::Stored)
                        log().warning("a response marked store: true could not be kept");
                      kept();
                    });
      });
    };
  }
  inference_.serveAs(exchange, identity, std::move(request), std::move(prepare));
}

}  // namespace turnpike::api
