// The concrete half of the OpenAPI document: what one deployed version accepts and
// answers, from its module's declared types (runtime/wire_schema.h, the same rules the
// service decodes and encodes bodies with).
//
//   POST /v1/workflows/<W>/instances              W's parameters as the body; the answer
//                                                 an Instance whose `arguments` and
//                                                 `result` are W's (Instance.<W>)
//   POST /v1/instances/{id}/signals/<S>           the signal record S as the body
//   POST /v1/keys/{workflow}/{key}/signals/<S>    the same, by business key
//   POST /v1/events/<E>                           the event's parameters as the body
//   POST /v1/tasks/{id}/decision                  its body: an approval's, or one per
//                                                 task form ({"form": …})
//
// <W> and <S> are declared names, or qualified ones when two share a declared name (the
// service accepts both). The concrete paths sit beside the route table's templates
// (`/v1/workflows/{name}/instances` …), which OpenAPI matches after them; each copies
// its template's parameters, security and error answers, so the two cannot disagree on
// anything but the body.
#pragma once

#include <nlohmann/json.hpp>

#include "service/routes.h"

namespace rflow::service {

// Adds `deployed`'s paths and schemas to `document` (which has the route table's paths
// and components) and sets info.version to its version. Does nothing without a module.
void describeDeployment(nlohmann::json& document, const DeployedContract& deployed);

}  // namespace rflow::service
