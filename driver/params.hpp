// Each case's mode parameters as a field of its JSON entry, beside the name that also
// spells them: "params": {"gil_policy": "cpython", "switch_interval_s": 0.005}. Google
// Benchmark's counters hold numbers only, and its label is the kernel's, so the driver
// adds the field to the text the JSON reporter wrote (TeeReporter, for --benchmark_out).
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "mode.hpp"

namespace sumbench {

class Json;

// Remembers the parameters of the case registered as `name` (Plan::register_all).
void remember_params(const std::string& name, const ModeParams& params);
// --list=json, in a mode's object: "params", what its row declares (ModeDescriptor::params),
// and "instances", the values of each mode instance the options make (one case each).
void describe_params(Json& j, const ModeDescriptor& d, const std::vector<std::unique_ptr<Mode>>& instances);
// `json`: what Google Benchmark's JSONReporter wrote for `runs`, one entry each, in order.
// Returns it with "params" before each entry's "run_name", where its case has parameters.
std::string with_params(const std::string& json, const std::vector<benchmark::BenchmarkReporter::Run>& runs);

}  // namespace sumbench
