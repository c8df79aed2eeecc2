// The gil mode's own options, checked behind the mode table's check_options so that the
// option parser needs no knowledge of the GIL lock: --gil-policy names, --switch-interval
// values (parsed here into seconds) and --check-interval values (legacy's, in bytecodes);
// also the policy names and interval parsing that gil_lock.hpp declares.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include "gil_lock.hpp"
#include "mode.hpp"

namespace sumbench {

std::string gil_policy_list() {
  std::string list;
  for (auto name : kGilPolicyNames) {
    if (!list.empty()) list += ',';
    list += name;
  }
  return list;
}

std::optional<GilPolicy> parse_gil_policy(std::string_view name) {
  for (std::size_t i = 0; i < kGilPolicyNames.size(); ++i)
    if (kGilPolicyNames[i] == name) return static_cast<GilPolicy>(i);
  return std::nullopt;
}

bool is_gil_policy(std::string_view name) {
  return parse_gil_policy(name).has_value();
}

std::string_view gil_policy_name(GilPolicy policy) {
  return kGilPolicyNames[static_cast<std::size_t>(policy)];
}

std::optional<double> parse_switch_interval(std::string_view text) {
  double unit = 1.0;  // a bare number is seconds, like sys.setswitchinterval
  if (text.ends_with("us")) {
    unit = 1e-6;
    text.remove_suffix(2);
  } else if (text.ends_with("ms")) {
    unit = 1e-3;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
  }
  if (text.empty()) return std::nullopt;
  double value = 0;
  const char* end = text.data() + text.size();
  // from_chars takes no leading '+' or spaces and reports overflow (1e400) as out of range.
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (ec != std::errc{} || ptr != end || !std::isfinite(value)) return std::nullopt;
  const double seconds = value * unit;
  // Names carry whole microseconds, and a wait needs a finite, representable deadline.
  if (!(seconds >= 1e-6 - 1e-12) || seconds > kMaxSwitchIntervalS) return std::nullopt;
  return seconds;
}

std::int64_t switch_interval_us(double seconds) {
  return std::llround(seconds * 1e6);
}

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

// --check-interval: whole numbers of bytecodes, 1 to kMaxCheckInterval, as
// sys.setcheckinterval takes (the option parser refused empty and repeated items).
std::string check_check_intervals(ModeOptions& opt) {
  if (opt.check_interval_texts.empty()) return {};  // CPython 2's default
  const std::string flag = "--check-interval", text = joined(opt.check_interval_texts);
  const std::string allowed = flag + " takes comma-separated whole numbers from 1 to " +
                              std::to_string(kMaxCheckInterval) + " (bytecodes)";
  std::vector<int> values;
  for (const std::string& item : opt.check_interval_texts) {
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos)
      return flag + "=" + text + ": '" + item + "' is not a whole number; " + allowed;
    const std::size_t first = item.find_first_not_of('0');  // "007" is 7; too many digits: too large
    const std::string digits = first == std::string::npos ? "0" : item.substr(first);
    const long v = digits.size() > 9 ? kMaxCheckInterval + 1L : std::stol(digits);
    if (v < 1 || v > kMaxCheckInterval)
      return flag + "=" + text + ": " + item + " is out of range; " + allowed;
    if (std::find(values.begin(), values.end(), static_cast<int>(v)) != values.end())
      return flag + "=" + text + ": " + item + " is given twice; give each value once";
    values.push_back(static_cast<int>(v));
  }
  opt.check_intervals = values;
  return {};
}

}  // namespace

std::string check_gil_options(ModeOptions& opt) {
  for (const std::string& p : opt.gil_policies)
    if (!parse_gil_policy(p))
      return "--gil-policy: unknown policy '" + p + "'; allowed: " + gil_policy_list();
  if (std::string why = check_check_intervals(opt); !why.empty()) return why;
  if (opt.switch_interval_texts.empty()) return {};  // the default interval
  const std::string flag = "--switch-interval";
  const std::string text = joined(opt.switch_interval_texts);  // as given: the parser refused empty items
  std::vector<double> seconds;
  std::map<std::int64_t, std::string> seen;  // whole microseconds -> as written
  for (const std::string& item : opt.switch_interval_texts) {
    const auto s = parse_switch_interval(item);
    if (!s) {
      const std::int64_t most_ms = std::llround(kMaxSwitchIntervalS * 1e3);
      return flag + ": '" + item + "' is not a duration between 1us and " +
             (most_ms % 1000 ? std::to_string(most_ms) + "ms" : std::to_string(most_ms / 1000) + "s") +
             "; use e.g. 500us, 1ms, 0.005s or 0.005 (seconds)";
    }
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
