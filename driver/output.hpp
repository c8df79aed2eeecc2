// --benchmark_out, written by rank 0: its path is checked before anything runs; the
// reports are kept in memory while the cases run (no file exists then, so a SIGKILL or a
// launcher's SIGTERM-then-SIGKILL leaves nothing behind), and written when the run ends
// to a file without a name (O_TMPFILE) in the path's folder, synced, then linked in as the
// path (or, where the path exists, as PATH.tmp.PID renamed onto it, with signals held).
// Where the file system has no unnamed files, PATH.tmp.PID is written instead, and a
// signal during that write (SIGINT, SIGTERM, SIGHUP, SIGPIPE, ...) removes it; only a
// SIGKILL then can leave it (mpirun and Slurm send one when SIGTERM is not enough).
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace sumbench {

class OutputFile {
 public:
  // Throws UsageError naming `path` (never a temporary file) when it cannot be written:
  // a missing or read-only folder, /proc, a directory, a device, a pipe, a read-only file.
  // A file is created next to it and removed at once (signals wait meanwhile), so a folder
  // that refuses new files is found before the run, not after it.
  explicit OutputFile(const std::string& path);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  const std::string& path() const { return path_; }
  // Writes `text` to an unnamed file (or PATH.tmp.PID, created with O_EXCL; the umask's
  // permissions either way), syncs it and names it the path (a symbolic link is written
  // through and kept). Returns why it failed ("" on success); then no file is left and an
  // existing one is unchanged. Test-only: SUMBENCH_TEST_WRITE_DELAY_MS holds the synced file
  // that long before it is named; SUMBENCH_TEST_NAMED_TEMPORARY=1 takes the PATH.tmp.PID way.
  std::string write(const std::string& text);

 private:
  std::string path_;    // as the user wrote it, for messages
  std::string target_;  // what the rename replaces: `path_`, or what a symbolic link points to
  bool written_ = false;
};

// Why `path` cannot be the output, or "" (no side effects; for the tests and the constructor).
std::string output_path_problem(const std::string& path, std::string* target);
// The folder part of `path` ("." for a bare name, "/" at the root).
std::string folder_of(const std::string& path);

// Rank 0's reporter when there is an output file: passes the runs on to `display` (the
// console, or JSON/CSV on stdout) and to a reporter of `format` (console, json or csv)
// that writes into memory. Google Benchmark must report every run to it (run it with
// --benchmark_display_aggregates_only=false and --benchmark_report_aggregates_only=false);
// it then applies the user's settings of those two flags to each side, as Google Benchmark
// does: the display shows only aggregates when either is on, the file when --benchmark_report_aggregates_only
// is.
class TeeReporter : public benchmark::BenchmarkReporter {
 public:
  TeeReporter(benchmark::BenchmarkReporter& display, const std::string& format, bool display_aggregates_only,
              bool report_aggregates_only);
  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;
  std::string text() const { return text_.str(); }  // what the file reporter wrote

 private:
  benchmark::BenchmarkReporter& display_;
  std::unique_ptr<benchmark::BenchmarkReporter> file_;
  std::ostringstream text_;
  bool display_only_aggregates_, file_only_aggregates_;
};

// Test-only (docs/DESIGN.md): SUMBENCH_TEST_WRITE_DELAY_MS in milliseconds, 1 to 600000 (10 min);
// 0 when unset, not a whole number or out of that range. OutputFile::write waits that long
// before it names the file; the driver marks the context and warns with the same value.
long test_write_delay_ms();

}  // namespace sumbench
