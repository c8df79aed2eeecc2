#include "flags.hpp"

#include <algorithm>
#include <cstdio>

#include "gil_lock.hpp"
#include "json.hpp"
#include "options.hpp"

namespace sumbench {
namespace {

template <class T>
void names(Json& j, const std::vector<const T*>& rows) {
  j.begin_array();
  for (const T* row : rows) j.value(row->name);
  j.end_array();
}

void optional_list(Json& j, const std::vector<int>& v) {
  if (v.empty())
    j.null();
  else
    j.array(v);
}

template <class T>
std::string names_of(const std::vector<T>& table) {
  std::string out;
  for (const auto& row : table) out += (out.empty() ? "" : ", ") + std::string(row.name);
  return out;
}

std::string name(const FlagSpec& f) {
  return std::string(f.name);
}
int most(const FlagSpec& f) {
  return static_cast<int>(f.max);
}

// The position of `v` among a choice flag's values ("strong,weak"), else a UsageError.
std::size_t choice(const FlagSpec& f, const std::string& v) {
  const std::vector<std::string> all = split_list(name(f), std::string(f.choices));
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i] == v) return i;
  std::string allowed;
  for (std::size_t i = 0; i < all.size(); ++i)
    allowed += (i == 0 ? "" : i + 1 == all.size() ? " or " : ", ") + all[i];
  throw UsageError(name(f) + "=" + v + " is not allowed; use " + allowed);
}

template <class Table, class Row>
void names_into(const FlagSpec& f, const std::string& v, const Table& table, const char* what,
                std::vector<const Row*>& out) {
  out.clear();
  for (const auto& item : split_list(name(f), v)) {
    const auto row = std::find_if(table.begin(), table.end(), [&](const Row& r) { return r.name == item; });
    if (row == table.end())
      throw UsageError(name(f) + ": unknown " + what + " '" + item + "'; allowed: " + names_of(table));
    out.push_back(&*row);
  }
}

// A flag without a value that sets one switch of Options.
template <bool Options::*on>
FlagSpec switch_flag(std::string_view flag, std::string_view help) {
  FlagSpec f{flag, "", "switch", "", 0, 0, "", "", "", help};
  f.normalised = [](const Options& o, Json& j) { j.value(o.*on); };
  f.apply = [](const FlagSpec&, const std::string&, Options& o) { o.*on = true; };
  return f;
}

}  // namespace

const std::vector<FlagSpec>& flag_table() {
  static const std::vector<FlagSpec> table{
      {"--kernels", "LIST", "names", "kernels", 0, 0, "", "every kernel that is not thread-only", "",
       "kernels to run (see --list)", [](const Options& o, Json& j) { names(j, o.kernels); },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         names_into(f, v, kernel_table(), "kernel", o.kernels);
       }},
      {"--modes", "LIST", "names", "modes", 0, 0, "", "", "", "execution modes to run",
       [](const Options& o, Json& j) { names(j, o.modes); },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         names_into(f, v, mode_table(), "mode", o.modes);
       }},
      {"--workers", "LIST", "int_list", "", 1, kMaxWorkers, "workers",
       "the world size under mpirun with more than one rank, else the CPUs this process may use", "",
       "worker counts (threads or ranks)", [](const Options& o, Json& j) { optional_list(j, o.workers); },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         o.workers = parse_int_list(name(f), v, most(f));
       }},
      {"--hybrid", "RxT,...", "layouts", "", 1, kMaxWorkers, "ranks, threads",
       "the hybrid mode's layouts rule (--list)", "hybrid", "hybrid layouts (ranks x threads)",
       [](const Options& o, Json& j) {
         if (o.mode.hybrid_layouts.empty()) return void(j.null());
         j.begin_array();
         for (const Layout& l : o.mode.hybrid_layouts)
           j.value(std::to_string(l.ranks) + "x" + std::to_string(l.threads));
         j.end_array();
       },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         o.mode.hybrid_layouts = parse_layouts(name(f), v);
       }},
      {"--scaling", "strong|weak", "choice", "strong,weak", 0, 0, "", "", "",
       "strong: total size fixed; weak: size per worker fixed",
       [](const Options& o, Json& j) { j.value(o.scaling == Scaling::weak ? "weak" : "strong"); },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         o.scaling = choice(f, v) ? Scaling::weak : Scaling::strong;
       }},
      {"--n", "N", "size", "", 1, 4611686018427387904.0, "items (see each kernel's item)",
       "per kernel (--list=json: default_n)", "", "problem size at one worker",
       [](const Options& o, Json& j) {
         o.n ? void(j.value(static_cast<unsigned long long>(*o.n))) : void(j.null());
       },
       [](const FlagSpec& f, const std::string& v, Options& o) { o.n = parse_size(name(f), v); }},
      {"--cpus", "cores|hwthreads", "choice", "cores,hwthreads", 0, 0, "", "", "",
       "what one CPU is, for the default worker count and the oversubscription check: a physical core, "
       "or a hardware thread (SMT siblings share a core)",
       [](const Options& o, Json& j) { j.value(cpu_unit_name(o.cpus)); },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         o.cpus = choice(f, v) ? CpuUnit::hwthreads : CpuUnit::cores;
       }},
      {"--sleep-ms", "MS", "int", "", 1, 3600000, "ms", "", "", "duration of one sleep task",
       [](const Options& o, Json& j) { j.value(o.sleep_ms); },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         o.sleep_ms = parse_int_list(name(f), v, most(f)).at(0);
         if (v.find(',') != std::string::npos)
           throw UsageError(name(f) + "=" + v + ": takes one value (milliseconds)");
       }},
      switch_flag<&Options::quick>("--quick", "small sizes and short runs, for tests and smoke runs"),
      {"--list", "", "switch", "text,json", 0, 0, "", "", "",
       "list kernels and modes, one line each; --list=json: the whole catalogue as JSON",
       [](const Options& o, Json& j) { j.value(o.list); },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         o.list = true;
         if (!v.empty()) o.list_json = choice(f, v) == 1;  // --list=text|json
       }},
      switch_flag<&Options::launch_only>("--launch-only",
                                         "start the workers (MPI ranks, threads) with no work, then exit"),
      switch_flag<&Options::help>("--help", "this help, then Google Benchmark's flags"),
      switch_flag<&Options::version>("--version",
                                     "print sumbench's version, git commit and build type, then exit"),
      {"--gil-policy", "LIST", "names", "gil_policies", 0, 0, "", "", "gil", "lock policies of the gil mode",
       [](const Options& o, Json& j) { j.array(o.mode.gil_policies); },
       // The modes check their own values (check_mode_options).
       [](const FlagSpec& f, const std::string& v, Options& o) {
         o.mode.gil_policies = split_list(name(f), v);
       }},
      {"--switch-interval", "LIST", "duration_list", "", 1e-6, kMaxSwitchIntervalS, "s", "", "gil",
       "GIL switch intervals like sys.setswitchinterval, in whole microseconds: 500us, 1ms, 0.005s or 0.005 "
       "(seconds)",
       [](const Options& o, Json& j) { j.array(o.mode.switch_intervals_s); },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         o.mode.switch_interval_texts = split_list(name(f), v);
       }},
      {"--check-interval", "LIST", "int_list", "", 1, kMaxCheckInterval, "bytecodes", "", "gil",
       "legacy's check intervals like sys.setcheckinterval (one legacy case each; the other policies have "
       "none)",
       [](const Options& o, Json& j) { j.array(o.mode.check_intervals); },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         o.mode.check_interval_texts = split_list(name(f), v);
       }},
      {"--gil-tick", "ELEMS", "size", "", 1, 4611686018427387904.0, "items",
       "the kernel's tick_elements (about 5 us of work), cpython 1/32 of it; legacy one Python 2.7 "
       "bytecode (4.49 ns) at the sum rate measured at start-up",
       "gil", "items per GIL tick",
       [](const Options& o, Json& j) {
         o.mode.gil_tick_elements ? void(j.value(static_cast<unsigned long long>(o.mode.gil_tick_elements)))
                                  : void(j.null());
       },
       [](const FlagSpec& f, const std::string& v, Options& o) {
         o.mode.gil_tick_elements = parse_size(name(f), v);
       }},
  };
  static const std::vector<FlagSpec> with_modes = [] {
    std::vector<FlagSpec> rows = table;
    for (const ModeDescriptor& m : mode_table())
      for (const ModeParam& p : m.params)
        if (p.own_flag)
          rows.push_back({p.flag, "LIST", "list", "", 0, 0, p.unit, "", m.name, p.help, nullptr,
                          [](const FlagSpec& f, const std::string& v, Options& o) {
                            o.mode.texts[std::string(f.name)] =
                                split_list(name(f), v);  // checked by the mode
                          }});
    return rows;
  }();
  return with_modes;
}

void flag_value(const FlagSpec& f, const Options& o, Json& j) {
  if (f.normalised) return f.normalised(o, j);
  const auto given = o.mode.texts.find(f.name);
  given == o.mode.texts.end() ? void(j.null()) : void(j.array(given->second));
}

const FlagSpec* find_flag(std::string_view name) {
  for (const auto& f : flag_table())
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace sumbench
