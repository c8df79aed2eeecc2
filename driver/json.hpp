// A small JSON writer for the catalogue (sumbench --list=json): objects, arrays, strings,
// numbers (shortest round-trip form), booleans and null, indented two spaces.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace sumbench {

class Json {
 public:
  Json& begin_object() { return open('{'); }
  Json& end_object() { return close('}'); }
  Json& begin_array() { return open('['); }
  Json& end_array() { return close(']'); }
  // The key of the next value inside an object.
  Json& key(std::string_view k) {
    item();
    quote(k);
    out_ += ": ";
    after_key_ = true;
    return *this;
  }
  Json& value(std::string_view s) { return item(), quote(s), *this; }
  Json& value(const char* s) { return value(std::string_view(s)); }
  Json& value(bool b) { return item(), out_ += b ? "true" : "false", *this; }
  Json& value(int v) { return value(static_cast<long long>(v)); }
  Json& value(long long v) { return item(), out_ += std::to_string(v), *this; }
  Json& value(unsigned long long v) { return item(), out_ += std::to_string(v), *this; }
  Json& value(unsigned long v) { return value(static_cast<unsigned long long>(v)); }
  Json& value(long v) { return value(static_cast<long long>(v)); }
  Json& value(double v) {
    item();
    if (!std::isfinite(v)) return out_ += "null", *this;
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    return *this;
  }
  Json& null() { return item(), out_ += "null", *this; }
  template <class T>
  Json& array(const std::vector<T>& items) {
    begin_array();
    for (const T& x : items) value(x);
    return end_array();
  }
  const std::string& str() const { return out_; }

 private:
  void quote(std::string_view s) {
    out_ += '"';
    for (const char c : s) {
      if (c == '"' || c == '\\')
        out_ += '\\', out_ += c;
      else if (c == '\n')
        out_ += "\\n";
      else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out_ += buf;
      } else
        out_ += c;
    }
    out_ += '"';
  }
  // Separator and indentation before a value or key (not after a key).
  void item() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
      newline();
    }
  }
  Json& open(char c) {
    item();
    out_ += c;
    first_.push_back(true);
    return *this;
  }
  Json& close(char c) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) newline();
    out_ += c;
    if (first_.empty()) out_ += '\n';
    return *this;
  }
  void newline() { out_ += '\n', out_.append(2 * first_.size(), ' '); }

  std::string out_;
  std::vector<bool> first_;  // per open container: no item written yet
  bool after_key_ = false;
};

}  // namespace sumbench
