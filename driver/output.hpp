// --benchmark_out, written by rank 0: checked before anything runs, written to a temporary
// file next to it, renamed onto it when the run ends, and removed on failure or when a
// signal (SIGINT, SIGTERM, SIGHUP, SIGPIPE, ...) ends the process.
#pragma once

#include <string>

namespace sumbench {

class OutputFile {
 public:
  // Throws UsageError naming `path` (never the temporary file) when it cannot be written:
  // a missing or read-only folder, /proc, a directory, a device, a read-only file. Then
  // creates the temporary file PATH.tmp.PID (with the umask's permissions) and arms the
  // signal handlers that remove it. One OutputFile at a time.
  explicit OutputFile(const std::string& path);
  ~OutputFile();  // removes the temporary file unless committed, disarms the handlers
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  const std::string& temporary() const { return temp_; }
  // Renames the temporary file onto the path once it is complete (not empty, ending with
  // `ending`, synced); else removes it and returns why ("" on success).
  std::string commit(const std::string& ending);

 private:
  std::string path_;    // as the user wrote it, for messages
  std::string target_;  // where it is renamed to: `path_`, or what a symbolic link points to
  std::string temp_;
  bool open_ = false;
};

// Why `path` cannot be the output, or "" (no side effects; for the tests and the constructor).
std::string output_path_problem(const std::string& path, std::string* target);

}  // namespace sumbench
