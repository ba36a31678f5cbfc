// Mapping ApiError codes to HTTP statuses and stable code names.
#include "service/api_error.h"

namespace rflow::service {

int httpStatus(ApiError::Code code) {
  switch (code) {
    case ApiError::Code::kBadRequest:
      return 400;
    case ApiError::Code::kUnauthorized:
      return 401;
    case ApiError::Code::kForbidden:
      return 403;
    case ApiError::Code::kNotFound:
      return 404;
    case ApiError::Code::kMethodNotAllowed:
      return 405;
    case ApiError::Code::kConflict:
    case ApiError::Code::kRefused:
      return 409;
    case ApiError::Code::kTooLarge:
      return 413;
    case ApiError::Code::kTooManyRequests:
      return 429;
    case ApiError::Code::kHeadersTooLarge:
      return 431;
    case ApiError::Code::kUnavailable:
      return 503;
    case ApiError::Code::kMisdirected:
      return 421;
    case ApiError::Code::kNotImplemented:
      return 501;
  }
  return 500;
}

std::string_view codeName(ApiError::Code code) {
  switch (code) {
    case ApiError::Code::kBadRequest:
      return "bad_request";
    case ApiError::Code::kUnauthorized:
      return "unauthorized";
    case ApiError::Code::kForbidden:
      return "forbidden";
    case ApiError::Code::kNotFound:
      return "not_found";
    case ApiError::Code::kMethodNotAllowed:
      return "method_not_allowed";
    case ApiError::Code::kConflict:
      return "conflict";
    case ApiError::Code::kRefused:
      return "refused";
    case ApiError::Code::kTooLarge:
      return "payload_too_large";
    case ApiError::Code::kTooManyRequests:
      return "too_many_requests";
    case ApiError::Code::kHeadersTooLarge:
      return "headers_too_large";
    case ApiError::Code::kUnavailable:
      return "unavailable";
    case ApiError::Code::kMisdirected:
      return "misdirected";
    case ApiError::Code::kNotImplemented:
      return "not_implemented";
  }
  return "internal";
}

nlohmann::json errorBody(const ApiError& error) {
  nlohmann::json inner = {{"code", codeName(error.code)}, {"message", error.message}};
  if (error.extra.is_object()) {
    for (const auto& [key, value] : error.extra.items())
      inner[key] = value;
  }
  return {{"error", std::move(inner)}};
}

ApiError fromEngine(const engine::EngineError& error) {
  using C = engine::EngineError::Code;
  switch (error.code) {
    case C::kBadInput:
      return {ApiError::Code::kBadRequest, error.message};
    case C::kNotFound:
      return {ApiError::Code::kNotFound, error.message};
    case C::kForbidden:
      return {ApiError::Code::kForbidden, error.message};
    case C::kConflict:
      return {ApiError::Code::kConflict, error.message};
    case C::kRefused:
      return {ApiError::Code::kRefused, error.message};
    case C::kStorage:
      return {ApiError::Code::kUnavailable, error.message};
  }
  return {ApiError::Code::kUnavailable, error.message};
}

}  // namespace rflow::service
