// The gil mode's own options, checked behind the mode table's check_options so that the
// option parser needs no knowledge of the GIL lock: --gil-policy names and
// --switch-interval values (parsed here into seconds).
#include "gil_lock.hpp"
#include "mode.hpp"

namespace sumbench {

std::string check_gil_options(ModeOptions& opt) {
  for (const std::string& p : opt.gil_policies)
    if (!parse_gil_policy(p)) return "--gil-policy: unknown policy '" + p + "'; allowed: " + gil_policy_list();
  if (opt.switch_interval_texts.empty()) return {};  // the default interval
  std::vector<double> seconds;
  for (const std::string& item : opt.switch_interval_texts) {
    const auto s = parse_switch_interval(item);
    if (!s)
      return "--switch-interval: '" + item +
             "' is not a duration between 1us and 3600s; use e.g. 500us, 1ms, 0.005s or 0.005 (seconds)";
    seconds.push_back(*s);
  }
  opt.switch_intervals_s = seconds;
  return {};
}

}  // namespace sumbench
