// The gil mode's own options, checked behind the mode table's check_options so that the
// option parser needs no knowledge of the GIL lock: --gil-policy names and
// --switch-interval values (parsed here into seconds).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "gil_lock.hpp"
#include "mode.hpp"

namespace sumbench {

std::string check_gil_options(ModeOptions& opt) {
  for (const std::string& p : opt.gil_policies)
    if (!parse_gil_policy(p)) return "--gil-policy: unknown policy '" + p + "'; allowed: " + gil_policy_list();
  if (opt.switch_interval_texts.empty()) return {};  // the default interval
  const std::string flag = "--switch-interval";
  std::string text;  // as given: the option parser refused empty items
  for (const std::string& item : opt.switch_interval_texts) text += (text.empty() ? "" : ",") + item;
  std::vector<double> seconds;
  std::map<std::int64_t, std::string> seen;  // whole microseconds -> as written
  for (const std::string& item : opt.switch_interval_texts) {
    const auto s = parse_switch_interval(item);
    if (!s)
      return flag + ": '" + item +
             "' is not a duration between 1us and 3600s; use e.g. 500us, 1ms, 0.005s or 0.005 (seconds)";
    // The lock waits, and the benchmark names say, whole microseconds: 1.5us would run
    // as 1.5 us under the name interval:2us. Refuse what a name cannot say exactly.
    const double us = *s * 1e6;
    const auto whole = static_cast<std::int64_t>(std::llround(us));
    if (std::abs(us - static_cast<double>(whole)) > 1e-9 * std::max(1.0, us))
      return flag + "=" + text + ": '" + item + "' is not a whole number of microseconds; use e.g. " +
             std::to_string(static_cast<std::int64_t>(std::floor(us))) + "us or " +
             std::to_string(static_cast<std::int64_t>(std::ceil(us))) + "us";
    if (auto [it, fresh] = seen.emplace(whole, item); !fresh)
      return flag + "=" + text + ": '" + it->second + "' and '" + item + "' are the same interval (" +
             std::to_string(whole) + "us); give each interval once";
    seconds.push_back(static_cast<double>(whole) * 1e-6);
  }
  opt.switch_intervals_s = seconds;
  return {};
}

}  // namespace sumbench
