// The GIL policies' part of the catalogue: their names, summaries and parameters (which were
// fitted, to what and where: modes/gil_params.hpp) in --list=json; and the --list text, whose
// kernels and modes are one line each and whose GIL policies are the rest.
#include <cstdio>
#include <sstream>
#include <string>

#include "catalogue.hpp"
#include "gil_lock.hpp"
#include "gil_params.hpp"
#include "json.hpp"
#include "kernel.hpp"
#include "mode.hpp"

namespace sumbench {

void gil_catalogue(Json& j) {
  j.key("gil_policies").begin_array();
  for (std::size_t i = 0; i < kGilPolicyNames.size(); ++i)
    j.begin_object()
        .key("name")
        .value(kGilPolicyNames[i])
        .key("summary")
        .value(kGilPolicySummaries[i])
        .end_object();
  j.end_array();
  j.key("gil_parameters").begin_array();  // gil_params.hpp: which were fitted, to what, where
  for (const GilParameter& p : kGilParameters)
    j.begin_object()
        .key("policy")
        .value(p.policy)
        .key("name")
        .value(p.name)
        .key("value")
        .value(p.value)
        .key("origin")
        .value(p.origin)
        .key("detail")
        .value(p.detail)
        .end_object();
  j.end_array();
  j.key("legacy_bytecode_ns").value(kPython27BytecodeNs);
  j.key("gil_not_reproduced").begin_object().key("recording").value(kGilMissesRecording);
  j.key("figures").begin_array();  // gil_params.hpp: what each policy missed, and why
  for (const GilMiss& m : kGilMisses)
    j.begin_object()
        .key("policy")
        .value(m.policy)
        .key("kind")
        .value(m.kind)
        .key("what")
        .value(m.what)
        .end_object();
  j.end_array().end_object();
}

namespace {

// `lead` and then `text`'s words, wrapped at 88 columns; continued lines start at `indent`.
void print_wrapped(std::string line, std::string_view text, std::size_t indent = 11) {
  std::size_t width = line.size();
  const std::size_t first = width;
  std::istringstream words{std::string(text)};
  std::string word;
  while (words >> word) {
    if (width > indent && width + 1 + word.size() > 88) {
      line += '\n' + std::string(indent, ' ');
      width = indent;
    } else if (width > indent || (width == first && first > indent)) {
      line += ' ';
      ++width;
    }
    line += word;
    width += word.size();
  }
  std::printf("%s\n", line.c_str());
}

}  // namespace

void list_kernels_and_modes() {
  std::printf("kernels:\n");
  for (const auto& k : kernel_table())
    std::printf("  %-8s %s%s\n", std::string(k.name).c_str(), std::string(k.summary).c_str(),
                k.thread_only ? " [thread modes only]" : "");
  std::printf("modes:\n");
  for (const auto& m : mode_table())
    std::printf("  %-8s %s\n", std::string(m.name).c_str(), std::string(m.summary).c_str());
  std::printf(
      "gil policies (--gil-policy), measured against the real interpreters by runners/fidelity.py:\n");
  for (std::size_t i = 0; i < kGilPolicyNames.size(); ++i) {
    std::string name = "  " + std::string(kGilPolicyNames[i]);
    name.resize(11, ' ');
    print_wrapped(name, kGilPolicySummaries[i]);
    for (const GilParameter& p : kGilParameters)
      if (p.policy == kGilPolicyNames[i] && p.name != "-")
        std::printf("           %s: %s [%s]\n", std::string(p.name).c_str(), std::string(p.value).c_str(),
                    std::string(p.origin).c_str());
    for (const GilMiss& m : kGilMisses)
      if (m.policy == kGilPolicyNames[i])
        print_wrapped(std::string(11, ' ') + "not reproduced, " + std::string(m.kind) + ":", m.what, 13);
  }
  std::printf(
      "[fitted]: chosen by matching the figures that --list=json's gil_parameters name; those\n"
      "figures are weaker evidence for the model (docs/DESIGN.md, BENCHMARKS.md)\n"
      "not reproduced: in the recording %s;\n"
      "every figure's verdict, controls and mechanism: BENCHMARKS.md, and reports/report.py\n"
      "on a fidelity folder\n",
      std::string(kGilMissesRecording).c_str());
}

}  // namespace sumbench
