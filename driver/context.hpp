// The JSON context of a run (docs/DESIGN.md, "JSON"): the placement, the build, this
// binary and the run's settings, as custom context keys of Google Benchmark's output; and
// the run's oversubscription warnings.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cases.hpp"
#include "catalogue.hpp"
#include "checks.hpp"
#include "placement.hpp"
#include "world.hpp"

namespace sumbench {

using Context = std::vector<std::pair<std::string, std::string>>;

// Collective (the --benchmark_context check is agreed by every rank; throws UsageError).
Context run_context(const World& world, const Placement& placement, const Inputs& in, const BuildInfo& build,
                    const std::vector<std::string>& warnings, const std::string& command_line);

// Collective: NAME_pages for every kernel of the plan that holds data (its row's
// held_bytes_per_element > 0): the page size its memory gets (kernels/workspace.hpp), on
// rank 0, and whether every rank's probe agreed. Added to Google Benchmark's context.
void add_page_size_context(const World& world, const Plan& plan);

// Each case's oversubscription line, once each, in the plan's order.
std::vector<std::string> oversubscription_warnings(const Plan& plan);

std::string join(const std::vector<std::string>& items, const char* sep);

}  // namespace sumbench
