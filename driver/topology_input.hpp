// Checks of a topology input (HWLOC_SYNTHETIC, HWLOC_XMLFILE) before this process loads
// it (topology.cpp): hwloc builds every object of what it is given, blocks on a FIFO, and
// 2.9 crashes on some malformed XML files.
#pragma once

#include <string>

namespace sumbench {

// The hardware threads of a synthetic description hwloc has accepted (before it builds them).
double synthetic_pus(const std::string& description);
// A count as digits ("20000000000"), or as 1e+20 beyond 10^15.
std::string whole_number(double v);
// Why an XML file cannot be a topology before hwloc reads it ("" if it may be one).
std::string xml_file_problem(const std::string& path);
// Loads the input in a child process: "" when it loaded there, else why not.
std::string load_in_child(bool synthetic, const std::string& text);

}  // namespace sumbench
