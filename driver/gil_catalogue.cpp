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
}

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
    std::string line = "  " + std::string(kGilPolicyNames[i]), word;
    line.resize(11, ' ');
    std::size_t width = line.size();  // wrapped at 88 columns, continued under the text
    std::istringstream words{std::string(kGilPolicySummaries[i])};
    while (words >> word) {
      if (width > 11 && width + 1 + word.size() > 88) {
        line += '\n' + std::string(11, ' ');
        width = 11;
      } else if (width > 11) {
        line += ' ';
        ++width;
      }
      line += word;
      width += word.size();
    }
    std::printf("%s\n", line.c_str());
    for (const GilParameter& p : kGilParameters)
      if (p.policy == kGilPolicyNames[i] && p.name != "-")
        std::printf("           %s: %s [%s]\n", std::string(p.name).c_str(), std::string(p.value).c_str(),
                    std::string(p.origin).c_str());
  }
  std::printf(
      "[fitted]: chosen by matching the figures that --list=json's gil_parameters name; those\n"
      "figures are weaker evidence for the model (docs/DESIGN.md, BENCHMARKS.md)\n");
}

}  // namespace sumbench
