// Checks of a topology input (HWLOC_SYNTHETIC, HWLOC_XMLFILE) before this process loads
// it: see topology_input.hpp.
#include "topology_input.hpp"

#include <fcntl.h>
#include <hwloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "topology.hpp"

namespace sumbench {

// The hardware threads a synthetic description hwloc has accepted makes: the product of
// its levels' arities. hwloc's grammar (topology-synthetic.c): levels "[type:]arity" with
// optional "(attributes)", separated by spaces; "(...)" first for the root, "[...]" for
// memory children; the arity read as strtoul(..., 0) reads it (0x10, 010).
double synthetic_pus(const std::string& description) {
  double pus = 1;
  for (std::size_t at = 0; at < description.size();) {
    if (description[at] == ' ') {
      ++at;
      continue;
    }
    std::size_t end = at;
    for (int depth = 0; end < description.size() && (depth > 0 || description[end] != ' '); ++end)
      depth += (description[end] == '(' || description[end] == '[') -
               (description[end] == ')' || description[end] == ']');
    const std::string level = description.substr(at, end - at);
    at = end;
    if (level[0] == '(' || level[0] == '[') continue;
    const std::size_t colon = level.find(':');
    const bool typed = !(level[0] >= '0' && level[0] <= '9');
    if (typed && colon == std::string::npos) continue;
    pus *= static_cast<double>(std::strtoull(level.c_str() + (typed ? colon + 1 : 0), nullptr, 0));
  }
  return pus;
}

std::string whole_number(double v) {
  char text[64];
  std::snprintf(text, sizeof text, v < 1e15 ? "%.0f" : "%.3g", v);
  return text;
}

// Why HWLOC_XMLFILE's file cannot be read as a topology before hwloc tries ("" if it may):
// hwloc falls back to this machine without a word, and would wait for ever on a FIFO.
std::string xml_file_problem(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    return errno == ENOENT ? "does not exist" : std::string("cannot be read (") + std::strerror(errno) + ")";
  if (S_ISDIR(st.st_mode)) return "is a directory";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (st.st_size > kMaxTopologyXmlBytes)
    return "has " + std::to_string(st.st_size) + " bytes, more than the " +
           std::to_string(kMaxTopologyXmlBytes >> 20) + " MiB an XML topology of " + std::to_string(kMaxPus) +
           " hardware threads needs";
  if (FILE* f = std::fopen(path.c_str(), "r"))
    std::fclose(f);
  else
    return std::string("cannot be read (") + std::strerror(errno) + ")";
  return {};
}

// hwloc 2.9 crashes in hwloc_topology_load on some malformed XML files (a core without
// complete_cpuset: SIGSEGV, and Open MPI's orted with it): an input is loaded in a child
// process first, without core file or output. "" when the child loaded it, else why not.
std::string load_in_child(bool synthetic, const std::string& text) {
  const pid_t pid = fork();
  if (pid == 0) {
    const rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    if (const int null = open("/dev/null", O_WRONLY); null >= 0) dup2(null, 1), dup2(null, 2);
    alarm(60);  // whatever hwloc makes of a pathological file (os_index="-1": seconds here)
    hwloc_topology_t t;
    hwloc_topology_init(&t);
    const int set =
        synthetic ? hwloc_topology_set_synthetic(t, text.c_str()) : hwloc_topology_set_xml(t, text.c_str());
    if (set == 0 && hwloc_topology_load(t) == 0) _exit(0);
    _exit(errno > 0 && errno < 126 ? errno : EINVAL);  // the exit status carries errno
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return {};  // cannot tell: load it here
  if (WIFSIGNALED(status))
    return std::string("crashes hwloc (") + strsignal(WTERMSIG(status)) + " while loading it)";
  if (WEXITSTATUS(status) != 0)
    return std::string("is a topology hwloc cannot load (") + std::strerror(WEXITSTATUS(status)) + ")";
  return {};
}

}  // namespace sumbench
