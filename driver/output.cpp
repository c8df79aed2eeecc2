#include "output.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "options.hpp"

namespace sumbench {
namespace {

// Signals whose default action ends the process: sent by a user (Ctrl-C, kill), a launcher
// or a scheduler (mpirun and Slurm send SIGTERM), raised by a closed pipe (sumbench | head),
// a CPU or file-size limit, or abort() (an uncaught exception).
constexpr int kSignals[] = {SIGHUP, SIGINT,  SIGQUIT, SIGTERM, SIGPIPE, SIGALRM,
                            SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ, SIGABRT};

// All the handler touches: a fixed buffer and flags (async-signal-safe).
char g_temp[PATH_MAX + 64];
volatile sig_atomic_t g_armed = 0;
struct sigaction g_previous[NSIG];
bool g_installed[NSIG];

extern "C" void remove_temporary_and_reraise(int sig) {
  if (g_armed) unlink(g_temp);
  sigaction(sig, &g_previous[sig], nullptr);  // the default action, or Open MPI's handler
  raise(sig);  // delivered once this handler returns: the conventional status, 128 + sig
}

void install_handlers() {
  struct sigaction action {};
  action.sa_handler = remove_temporary_and_reraise;
  sigemptyset(&action.sa_mask);
  for (int sig : kSignals) {
    struct sigaction old {};
    sigaction(sig, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // nohup, a background job: it stays ignored
    g_previous[sig] = old;
    g_installed[sig] = sigaction(sig, &action, nullptr) == 0;
  }
}

void remove_handlers() {
  for (int sig : kSignals)
    if (g_installed[sig]) sigaction(sig, &g_previous[sig], nullptr), g_installed[sig] = false;
}

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

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
    return flag + ": folder " + folder + (errno == ENOENT ? " does not exist" : ": " + std::string(std::strerror(errno))) + give;
  if (!S_ISDIR(dir.st_mode)) return flag + ": " + folder + " is not a folder" + give;
  if (access(folder.c_str(), W_OK | X_OK) != 0)
    return flag + ": cannot write in folder " + folder + " (" + std::strerror(errno) + ")" + give;
  if (target) *target = real;
  return "";
}

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (g_armed) throw std::logic_error("OutputFile: one at a time");
  if (const std::string problem = output_path_problem(path, &target_); !problem.empty()) throw UsageError(problem);
  install_handlers();
  // The file is created with O_EXCL under a name of this process (a stale one of a killed
  // run with the same PID is left alone); signals wait until the handler knows the name.
  sigset_t block, old;
  sigemptyset(&block);
  for (int sig : kSignals) sigaddset(&block, sig);
  int fd = -1, error = 0;
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    temp_ = target_ + ".tmp." + std::to_string(getpid());
    if (attempt > 0) temp_.append(".").append(std::to_string(attempt));
    if (temp_.size() >= sizeof g_temp) {
      error = ENAMETOOLONG;
      break;
    }
    sigprocmask(SIG_BLOCK, &block, &old);
    fd = open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);  // the umask applies
    error = errno;
    if (fd >= 0) {
      std::snprintf(g_temp, sizeof g_temp, "%s", temp_.c_str());
      g_armed = 1;
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
    if (fd < 0 && error != EEXIST) break;
  }
  if (fd < 0) {
    remove_handlers();
    throw UsageError("--benchmark_out=" + path + ": cannot create a file in " + folder_of(target_) + " (" +
                     std::strerror(error) + "); give the path of a file in a folder you may write");
  }
  close(fd);
  open_ = true;
}

OutputFile::~OutputFile() {
  if (open_) unlink(temp_.c_str());
  g_armed = 0;
  remove_handlers();
}

std::string OutputFile::commit(const std::string& ending) {
  if (!open_) return "--benchmark_out=" + path_ + ": already written";
  // Google Benchmark does not check its writes: a full disk leaves a cut file. It must be
  // complete, and on the disk, before it replaces anything.
  std::string why, tail;
  const int fd = open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    struct stat st {};
    char buf[16] = {};
    const auto n = ending.size() < sizeof buf ? ending.size() : sizeof buf;
    if (fstat(fd, &st) == 0 && st.st_size >= static_cast<off_t>(n) && st.st_size > 0 &&
        pread(fd, buf, n, st.st_size - static_cast<off_t>(n)) == static_cast<ssize_t>(n))
      tail.assign(buf, n);
    else
      why = "it came out empty or cut short";
    if (why.empty() && tail != ending.substr(0, n)) why = "it came out cut short (is the disk full?)";
    if (why.empty() && fsync(fd) != 0) why = std::strerror(errno);
    close(fd);
  } else {
    why = std::strerror(errno);
  }
  if (why.empty() && std::rename(temp_.c_str(), target_.c_str()) != 0) why = std::strerror(errno);
  if (!why.empty()) {
    why = "could not write --benchmark_out=" + path_ + ": " + why;
    unlink(temp_.c_str());
  }
  open_ = false;
  g_armed = 0;
  return why;
}

}  // namespace sumbench
