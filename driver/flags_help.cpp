// The flag table's text: the names for the unknown-argument message, the allowed values of
// a names/choice flag, --help's lines and the exit statuses (flags.hpp).
#include <string>
#include <vector>

#include "flags.hpp"
#include "gil_lock.hpp"
#include "json.hpp"
#include "kernel.hpp"
#include "mode.hpp"
#include "options.hpp"

namespace sumbench {

std::string flag_names() {
  std::string out;
  for (const auto& f : flag_table()) {
    if (!out.empty()) out += ' ';
    out += f.name;
  }
  return out;
}

std::string flag_choices(const FlagSpec& flag) {
  std::string out;
  auto add = [&](std::string_view name) {
    if (!out.empty()) out += ',';
    out += name;
  };
  if (flag.choices == "kernels")
    for (const auto& k : kernel_table()) add(k.name);
  else if (flag.choices == "modes")
    for (const auto& m : mode_table()) add(m.name);
  else if (flag.choices == "gil_policies")
    for (auto name : kGilPolicyNames) add(name);
  else
    out = flag.choices;
  return out;
}

std::string flags_help() {
  // Defaults as the parser produces them from an empty command line, so they cannot drift.
  std::vector<std::string> none{"sumbench"};
  const Options defaults = parse_options(none);
  std::string out;
  for (const auto& f : flag_table()) {
    std::string head = "  ";
    head += f.name;
    if (!f.value.empty()) (head += '=') += f.value;
    if (head.size() < 26)
      head.resize(26, ' ');
    else
      head += ' ';
    std::string line = head + std::string(f.help);
    if (f.type == "names") ((line += " (") += flag_choices(f)) += ')';
    if (!f.default_rule.empty()) {
      (line += "; default: ") += f.default_rule;
    } else if (f.type != "switch") {
      Json j;
      flag_value(f, defaults, j);
      std::string text;
      for (char c : j.str())
        if (c != '"' && c != '[' && c != ']' && c != ' ' && c != '\n') text += c;
      (line += "; default ") += text;
      if (!f.unit.empty()) (line += ' ') += f.unit;
    }
    out += line + "\n";
  }
  return out;
}

const std::vector<ExitStatus>& exit_statuses() {
  static const std::vector<ExitStatus> codes{
      {0, "every result valid"},
      {1, "a result failed validation, a set-up failed or a case does not fit in memory"},
      {2, "bad usage: one line on stderr names the bad value and what is allowed; nothing is run or written"},
      {128, "and above (128+N): stopped by signal N, the temporary output removed (docs/DESIGN.md)"},
  };
  return codes;
}

}  // namespace sumbench
