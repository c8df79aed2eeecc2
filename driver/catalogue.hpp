// The catalogue: `sumbench --list=json` prints every kernel, mode, GIL policy and flag
// with its rules, generated from the kernel table, the mode table and the flag table.
// The runners, reports and Slurm scripts read it instead of keeping their own copy
// (docs/DESIGN.md, "The catalogue").
#pragma once

#include <string>
#include <string_view>

#include "options.hpp"

namespace sumbench {

// Bump when a key of the catalogue changes meaning or goes away (adding keys is free).
inline constexpr int kCatalogueVersion = 1;

struct BuildInfo {
  std::string_view version;  // sumbench's (the VERSION file)
  std::string_view git_commit;
  std::string_view schema_version;  // of the benchmark JSON (counters and context keys)
  std::string_view build_type;      // CMAKE_BUILD_TYPE
  bool native;                      // built for the build machine's CPU (SUMBENCH_NATIVE)
  std::string_view arch_flags;      // what that added: "-march=native", or "" (portable)
  std::string_view cxx_flags;       // the driver's compile flags (for the JSON context)
};

// The catalogue as JSON. The evaluated parts (default sizes, layouts) follow `opt`:
// --workers, --hybrid, --quick and the GIL flags, as a run with the same flags would use them.
// `world`: its size, and its MPI library (MPI_Get_library_version's first line).
class World;
std::string catalogue_json(const Options& opt, const World& world, const BuildInfo& build);

// `sumbench --list`: the kernels, modes and GIL policies with their summaries, on stdout.
void list_kernels_and_modes();

// The GIL policies' keys of catalogue_json (gil_catalogue.cpp).
class Json;
void gil_catalogue(Json& j);

}  // namespace sumbench
