// Pieces of a run's JSON context that need no build macros (main.cpp adds those), and the
// run's oversubscription warnings.
#pragma once

#include <string>
#include <vector>

#include "cases.hpp"
#include "world.hpp"

namespace sumbench {

// "AMD EPYC 7763 64-Core Processor": /proc/cpuinfo's first model name, or "unknown".
std::string cpu_model();

std::string join(const std::vector<std::string>& items, const char* sep);

// Each case's oversubscription line, once each, in the plan's order.
std::vector<std::string> oversubscription_warnings(const Plan& plan);

// Collective. The context's triad_pages: the page size triad's arrays get
// (kernels/workspace.hpp), on rank 0, and whether every rank's probe agreed.
void add_page_size_context(const World& world, const Plan& plan);

}  // namespace sumbench
