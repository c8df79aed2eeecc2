#include "params.hpp"

#include <map>
#include <variant>

#include "json.hpp"

namespace sumbench {
namespace {

std::map<std::string, std::string>& remembered() {
  static std::map<std::string, std::string> params;  // case name -> its "params" object, as JSON
  return params;
}

void values(Json& j, const ModeParams& params) {
  j.begin_object();
  for (const auto& [column, value] : params) {
    j.key(column);
    std::visit([&j](const auto& v) { j.value(v); }, value);
  }
  j.end_object();
}

}  // namespace

void remember_params(const std::string& name, const ModeParams& params) {
  if (params.empty()) return;
  Json j;
  values(j, params);
  remembered()[name] = j.str();
}

void describe_params(Json& j, const ModeDescriptor& d, const std::vector<std::unique_ptr<Mode>>& instances) {
  j.key("params").begin_array();
  for (const ModeParam& p : d.params)
    j.begin_object()
        .key("flag")
        .value(p.flag)
        .key("column")
        .value(p.column)
        .key("type")
        .value(p.type)
        .key("unit")
        .value(p.unit)
        .key("name_key")
        .value(p.name_key)
        .end_object();
  j.end_array().key("instances").begin_array();  // the sweep plans one point per instance
  for (const auto& m : instances) values(j, m->params());
  j.end_array();
}

std::string with_params(const std::string& json, const std::vector<benchmark::BenchmarkReporter::Run>& runs) {
  // GB 1.7.1 writes each entry's keys one a line: ...\n      "run_name": "...",\n...; a
  // quote inside a name is escaped, so the marker cannot occur inside a value.
  static const std::string marker = "\"run_name\": ";
  std::string out;
  std::size_t at = 0;
  for (const auto& run : runs) {
    const std::size_t found = json.find(marker, at);
    if (found == std::string::npos) break;
    out.append(json, at, found - at);  // up to the marker, its line's indent included
    const auto p = remembered().find(run.run_name.function_name);
    if (p != remembered().end()) {
      const std::size_t line = json.rfind('\n', found) + 1;
      out += "\"params\": " + p->second + ",\n" + json.substr(line, found - line);
    }
    out += marker;
    at = found + marker.size();
  }
  return out + json.substr(at);
}

}  // namespace sumbench
