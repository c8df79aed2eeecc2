// The definition of every sumbench flag: name, value syntax, type, allowed values or
// range, unit, default and help. --help, the unknown-argument message and the catalogue
// (--list=json) are generated from this table, and parse_options (options.cpp) applies
// each flag through its row: a flag exists once, here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sumbench {

struct Options;
class Json;

struct FlagSpec {
  std::string_view name;     // "--workers"
  std::string_view value;    // value syntax for --help ("LIST"); "" for a switch
  std::string_view type;     // switch, names, int_list, layouts, choice, size, int, duration_list, list (a
                             // mode's own: items as given)
  std::string_view choices;  // names: the table ("kernels", "modes", "gil_policies"); choice: "a,b"
  double min = 0, max = 0;   // range of each number (both 0: none)
  std::string_view unit;     // of each number
  std::string_view default_rule;  // the default in words, when it is derived rather than fixed
  std::string_view mode;          // the mode whose cases the flag configures ("" = every mode)
  std::string_view help;
  // The parsed value, as --list=json shows it (normalised: "0.005" and "5ms" both 0.005).
  void (*normalised)(const Options&, Json&) = nullptr;
  // Stores the flag's value into Options, or throws UsageError naming it. A switch gets ""
  // when given bare, and its text after '=' only when it has choices (--list=json).
  void (*apply)(const FlagSpec&, const std::string& value, Options&) = nullptr;
};

// The driver's flags, then each mode's own (ModeParam::own_flag: a list of values).
const std::vector<FlagSpec>& flag_table();
// The flag's value in `o` as --list=json shows it (a mode's own flag: its items as given, or null).
void flag_value(const FlagSpec& f, const Options& o, Json& j);
const FlagSpec* find_flag(std::string_view name);

// "--kernels --modes ...": every flag name, for the unknown-argument message.
std::string flag_names();
// The allowed values of a names/choice flag, comma-separated.
std::string flag_choices(const FlagSpec& flag);
// One line per flag, for --help.
std::string flags_help();

struct ExitStatus {
  int code;
  std::string_view meaning;
};
const std::vector<ExitStatus>& exit_statuses();

}  // namespace sumbench
