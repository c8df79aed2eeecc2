// MPI plumbing of the driver: RAII init/finalize, waits that do not spin, and
// the sub-communicators of the first R ranks.
#pragma once

#include <mpi.h>

#include <chrono>
#include <map>
#include <string>

namespace sumbench {

class World {
 public:
  World(int* argc, char*** argv);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }
  MPI_Comm comm() const { return MPI_COMM_WORLD; }
  // When this process started MPI (just before MPI_Init): the start of the run's wall time.
  std::chrono::steady_clock::time_point started() const { return started_; }

  // The communicator of ranks [0, ranks); MPI_COMM_NULL on the others. Collective
  // over the world the first time a given size is asked for.
  MPI_Comm first_ranks(int ranks);

  // Waits for a request while sleeping between tests: Open MPI's blocking calls
  // busy-poll, which would steal the cores of the ranks that are working.
  // `longest`: the longest sleep between tests (microseconds).
  static void sleepy_wait(MPI_Request& request, int longest_us = 5000);
  // A world barrier that does not spin.
  void sleepy_barrier();
  // Broadcasts `count` doubles from world rank 0; ranks that pass `sleep` wait
  // without spinning (those idle while others work), the others return at once.
  void bcast(double* values, int count, bool sleep);

  // This rank's steady clock minus rank 0's of `team`, estimated once by ping-pong; 0 when
  // the team is on one host, where all ranks read the same clock. Collective over `team`.
  static double clock_offset(MPI_Comm team, bool one_host);

  // "Open MPI v4.1.4", "MPICH Version: 4.0.2": the first line of MPI_Get_library_version.
  std::string library_version() const;
  // The world size the launcher was asked for (SUMBENCH_EXPECT_RANKS, set by the runner)
  // against MPI_COMM_WORLD's: "" when they agree or the variable is unset, else one line.
  // Another MPI's launcher starts N singletons that would each run alone and exit 0.
  // Each rank reads its own environment: the ranks must agree on the answer before any
  // of them stops (agree_on_error, consistency.hpp), or the others wait for ever.
  std::string expected_ranks_problem() const;

 private:
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  int rank_ = 0, size_ = 1;
  std::map<int, MPI_Comm> first_ranks_;
};

// "openmpi", "mpich" (MPICH and its derivatives: Intel MPI, MVAPICH) or "unknown", from
// MPI_Get_library_version: the catalogue's mpi.kind, which picks the runner's launcher.
std::string mpi_kind(const std::string& library_version);

}  // namespace sumbench
