// Whether --benchmark_out=PATH can be written, checked before the run (output.hpp).
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "output.hpp"

namespace sumbench {

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string output_path_problem(const std::string& path, std::string* target) {
  const std::string flag = "--benchmark_out=" + path;
  const std::string give = "; give the path of a file to write, e.g. --benchmark_out=results.json";
  if (path.empty()) return "--benchmark_out= needs a file name";
  if (path.back() == '/') return flag + " names a folder" + give;
  std::string real = path;
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {  // what the path is, through any symbolic links
    if (S_ISDIR(st.st_mode)) return flag + " is a directory" + give;
    if (!S_ISREG(st.st_mode))
      return flag + " is not a regular file (a device, a pipe or a socket)" + give +
             " (--benchmark_format=json puts JSON on stdout)";
    if (access(path.c_str(), W_OK) != 0 || (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0)
      return flag + " is a read-only file" + give;
    char resolved[PATH_MAX];  // a link is kept: the file it points to is replaced
    if (!realpath(path.c_str(), resolved)) return flag + ": " + std::strerror(errno) + give;
    real = resolved;
  } else if (errno != ENOENT) {
    return flag + ": " + std::strerror(errno) + give;
  } else if (lstat(path.c_str(), &st) == 0) {
    return flag + " is a symbolic link to a missing file" + give;
  }
  const std::string folder = folder_of(real);
  struct stat dir {};
  if (stat(folder.c_str(), &dir) != 0)
    return flag + ": folder " + folder +
           (errno == ENOENT ? " does not exist" : ": " + std::string(std::strerror(errno))) + give;
  if (!S_ISDIR(dir.st_mode)) return flag + ": " + folder + " is not a folder" + give;
  if (access(folder.c_str(), W_OK | X_OK) != 0)
    return flag + ": cannot write in folder " + folder + " (" + std::strerror(errno) + ")" + give;
  if (target) *target = real;
  return "";
}

}  // namespace sumbench
