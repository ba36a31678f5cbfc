// collectDocs: a walk over the program's declaration tables.
#include "driver/docs.h"

namespace rflow::compiler {

std::map<std::string, std::string, std::less<>> collectDocs(const check::Program& program) {
  std::map<std::string, std::string, std::less<>> out;
  const auto put = [&out](std::string key, const std::string& doc) {
    if (!doc.empty()) out.emplace(std::move(key), doc);
  };
  for (const check::RecordInfo& r : program.records) {
    put(r.header.name, r.header.doc);
    for (const check::FieldInfo& f : r.fields)
      put(r.header.name + "." + f.name, f.doc);
  }
  for (const check::EnumInfo& e : program.enums) {
    put(e.header.name, e.header.doc);
    for (const check::EnumMemberInfo& m : e.members)
      put(e.header.name + "." + m.name, m.doc);
  }
  for (const check::ConnectorInfo& c : program.connectors) {
    put(c.header.name, c.header.doc);
    for (uint32_t i = c.first_op; i < c.first_op + c.op_count && i < program.ops.size(); ++i)
      put(c.header.name + "." + program.ops[i].name, program.ops[i].doc);
  }
  for (const check::WorkflowInfo& w : program.workflows)
    put(w.header.name, w.header.doc);
  for (const check::TriggerInfo& t : program.triggers) {
    if (!t.schedule) put("event " + t.header.name, t.header.doc);
  }
  return out;
}

}  // namespace rflow::compiler
