// Test-only: one more kernel and one more mode, linked into the sumbench_extra test binary
// only (the normal build links the empty defaults of kernels/table.cpp and modes/table.cpp);
// the kernel comes in as a user's does (sumbench_add_benchmark, <sumbench/kernel.hpp>).
// tests/python/test_extra.py runs them through `sumbench --list=json`, a sweep and a report
// to show that adding a row needs no Python change.
#include <algorithm>
#include <memory>
#include <string>

#include <sumbench/kernel.hpp>

#include "mode.hpp"

namespace sumbench {
namespace {

// xcount: counts the elements of [0, n); valid when the count is n.
class CountKernel final : public KernelInstance {
 public:
  explicit CountKernel(std::uint64_t n) : n_(n) {}
  Partial make_partial() const override { return Partial{{0}, {}}; }
  void body(Slice s, Partial& acc, Worker&) override { acc.counts[0] += s.size(); }
  std::string validate(const Partial& combined) const override {
    return combined.counts[0] == n_
               ? ""
               : "counted " + std::to_string(combined.counts[0]) + " of " + std::to_string(n_);
  }

 private:
  std::uint64_t n_;
};

// xeven: OpenMP threads that run only an even number of workers, once per --xeven-grain
// value: a parameter that only this row declares (its flag, its column, its name part).
class EvenMode final : public OmpTeamMode {
 public:
  explicit EvenMode(long long grain) : grain_(grain) {}
  std::string_view name() const override { return "xeven"; }
  std::string name_suffix() const override { return "/grain:" + std::to_string(grain_); }
  ModeParams params() const override { return {{"xeven_grain", grain_}}; }
  std::vector<Layout> layouts(int workers, const ModeOptions&) const override {
    if (workers % 2 != 0) return {};
    return {{1, workers}};
  }

 private:
  long long grain_;
};

constexpr std::string_view kGrainFlag = "--xeven-grain";

std::vector<long long> grains(const ModeOptions& opt) {
  const auto given = opt.texts.find(kGrainFlag);
  if (given == opt.texts.end()) return {1};
  std::vector<long long> out;
  for (const std::string& item : given->second) out.push_back(std::stoll(item));
  return out;
}

// Whole numbers 1 to 64, each once (the option parser refused empty items).
std::string check_grains(ModeOptions& opt) {
  const auto given = opt.texts.find(kGrainFlag);
  if (given == opt.texts.end()) return {};
  std::vector<std::string> seen;
  for (const std::string& item : given->second) {
    const bool digits =
        !item.empty() && item.size() < 3 && item.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(item) < 1 || std::stoi(item) > 64)
      return std::string(kGrainFlag) + ": '" + item + "' is not allowed; use whole numbers from 1 to 64";
    if (std::find(seen.begin(), seen.end(), item) != seen.end())
      return std::string(kGrainFlag) + ": " + item + " is given twice; give each value once";
    seen.push_back(item);
  }
  return {};
}

}  // namespace

std::vector<KernelDescriptor> extra_kernel_rows() {
  return {{.name = "xcount",
           .summary = "test-only: counts the elements of [0,n)",
           .kind = "cpu-bound",
           .item = "element",
           .validation = "the count equals n",
           .tick_elements = 1u << 12,
           .default_n = [](const SizeContext& c) -> std::uint64_t { return c.quick ? 1u << 16 : 1u << 24; },
           .make = [](const KernelConfig& cfg, Slice) -> std::unique_ptr<KernelInstance> {
             return std::make_unique<CountKernel>(cfg.n);
           }}};
}

std::vector<ModeDescriptor> extra_mode_rows() {
  std::vector<ModeDescriptor> rows;
  rows.push_back({"xeven",
                  "test-only: OpenMP threads, even worker counts only",
                  "1xW for even W, nothing for odd W",
                  [](const ModeOptions& opt) {
                    std::vector<std::unique_ptr<Mode>> modes;
                    for (long long g : grains(opt)) modes.push_back(std::make_unique<EvenMode>(g));
                    return modes;
                  },
                  check_grains,
                  {{kGrainFlag, "xeven_grain", "int", "elements", "grain", true,
                    "test-only: xeven's grain, a parameter only this row declares (default 1)"}}});
  return rows;
}

}  // namespace sumbench
