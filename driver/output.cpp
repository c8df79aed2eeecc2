#include "output.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "options.hpp"

namespace sumbench {
namespace {

// Signals whose default action ends the process: sent by a user (Ctrl-C, kill), a launcher
// or a scheduler (mpirun and Slurm send SIGTERM), raised by a closed pipe (sumbench | head),
// a CPU or file-size limit, or abort() (an uncaught exception).
constexpr int kSignals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGPIPE, SIGALRM,
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

// Holds back the signals above while it lives: what is done meanwhile completes first.
class SignalsHeld {
 public:
  SignalsHeld() {
    sigset_t block;
    sigemptyset(&block);
    for (int sig : kSignals) sigaddset(&block, sig);
    sigprocmask(SIG_BLOCK, &block, &old_);
  }
  ~SignalsHeld() { sigprocmask(SIG_SETMASK, &old_, nullptr); }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t old_;
};

// Creates TARGET.tmp.PID with O_EXCL and the umask's permissions (a stale one of a killed
// run with the same PID is left alone: then TARGET.tmp.PID.1, ...). The descriptor, or -1
// with *error set.
int create_temporary(const std::string& target, std::string* name, int* error) {
  *error = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    *name = target + ".tmp." + std::to_string(getpid());
    if (attempt > 0) name->append(".").append(std::to_string(attempt));
    if (name->size() >= sizeof g_temp) {
      *error = ENAMETOOLONG;
      return -1;
    }
    const int fd = open(name->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return *error = errno, fd;
  }
  *error = EEXIST;
  return -1;
}

// A file without a name in `folder` (O_TMPFILE; the umask's permissions): a process killed
// in any way, SIGKILL included, leaves nothing. -1 where the file system has none (NFS, old
// kernels), without /proc (to name it), and under SUMBENCH_TEST_NAMED_TEMPORARY=1 (test-only).
int create_unnamed(const std::string& folder) {
  const char* named = std::getenv("SUMBENCH_TEST_NAMED_TEMPORARY");
  if ((named && std::string(named) == "1") || access("/proc/self/fd", X_OK) != 0) return -1;
  return open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
}

// Gives the unnamed file `fd` the name `path` (false with errno EEXIST where it exists).
bool link_unnamed(int fd, const std::string& path) {
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);  // AT_EMPTY_PATH needs a capability
  return linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) == 0;
}

// Names the unnamed file `fd` TARGET, at once where no TARGET exists, else as TARGET.tmp.PID
// renamed onto it; signals held by the caller. "" or why it failed (then no name is left).
std::string name_unnamed(int fd, const std::string& target) {
  if (link_unnamed(fd, target)) return "";
  if (errno != EEXIST) return std::strerror(errno);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string temp = target + ".tmp." + std::to_string(getpid());
    if (attempt > 0) temp.append(".").append(std::to_string(attempt));
    if (temp.size() >= sizeof g_temp) return std::strerror(ENAMETOOLONG);
    if (!link_unnamed(fd, temp)) {
      if (errno == EEXIST) continue;
      return std::strerror(errno);
    }
    std::snprintf(g_temp, sizeof g_temp, "%s", temp.c_str());
    g_armed = 1;
    if (std::rename(temp.c_str(), target.c_str()) == 0) return "";
    const std::string why = std::strerror(errno);
    return unlink(temp.c_str()), why;
  }
  return std::strerror(EEXIST);
}

// Test-only: how long the synced file waits before it gets its name, so that a test can
// send a signal then.
void test_delay() {
  if (const long delay = test_write_delay_ms(); delay > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
}

// Puts the rename itself on the disk (best effort: some file systems refuse to sync a folder).
void sync_folder(const std::string& folder) {
  const int fd = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) fsync(fd), close(fd);
}

}  // namespace

long test_write_delay_ms() {
  const char* ms = std::getenv("SUMBENCH_TEST_WRITE_DELAY_MS");
  if (!ms || !*ms) return 0;
  char* end = nullptr;
  errno = 0;
  const long delay = std::strtol(ms, &end, 10);
  return errno == 0 && *end == '\0' && delay > 0 && delay <= 600000 ? delay : 0;
}

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (const std::string problem = output_path_problem(path, &target_); !problem.empty())
    throw UsageError(problem);
  // Whether the folder takes a new file (a read-only or full file system, /proc): one is
  // created and removed before any signal can end the process.
  std::string probe;
  int fd = create_unnamed(folder_of(target_)), error = 0;  // nothing to remove
  if (fd >= 0) {
    close(fd);
  } else {
    SignalsHeld held;
    fd = create_temporary(target_, &probe, &error);
    if (fd >= 0) close(fd), unlink(probe.c_str());
  }
  if (fd < 0)
    throw UsageError("--benchmark_out=" + path + ": cannot create a file in " + folder_of(target_) + " (" +
                     std::strerror(error) + "); give the path of a file in a folder you may write");
}

std::string OutputFile::write(const std::string& text) {
  if (written_) return "--benchmark_out=" + path_ + ": already written";
  written_ = true;
  install_handlers();
  std::string temp, why;
  int error = 0, fd = create_unnamed(folder_of(target_));
  const bool unnamed = fd >= 0;
  if (!unnamed) {
    SignalsHeld held;  // the handler knows the file's name before a signal can find the file
    fd = create_temporary(target_, &temp, &error);
    if (fd >= 0) {
      std::snprintf(g_temp, sizeof g_temp, "%s", temp.c_str());
      g_armed = 1;
    }
  }
  if (fd < 0) why = "cannot create a file in " + folder_of(target_) + " (" + std::strerror(error) + ")";
  for (std::size_t done = 0; why.empty() && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) why = n < 0 ? std::strerror(errno) : "nothing was written";  // a full disk: ENOSPC
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (why.empty() && fsync(fd) != 0) why = std::strerror(errno);
  if (why.empty()) test_delay();
  if (unnamed) {
    if (why.empty()) {
      SignalsHeld held;  // a signal waits until the file has its name, or none
      why = name_unnamed(fd, target_);
      g_armed = 0;
    }
    close(fd);  // the data is synced; without a name the file is gone
  } else {
    if (fd >= 0 && close(fd) != 0 && why.empty())
      why = std::strerror(errno);  // NFS may report a write error here
    if (why.empty() && std::rename(temp.c_str(), target_.c_str()) != 0) why = std::strerror(errno);
  }
  if (why.empty()) sync_folder(folder_of(target_));
  if (!unnamed) {
    SignalsHeld held;
    if (!why.empty() && fd >= 0) unlink(temp.c_str());
    g_armed = 0;
  }
  remove_handlers();
  return why.empty() ? "" : "could not write --benchmark_out=" + path_ + ": " + why;
}

}  // namespace sumbench
