#include "world.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <thread>

namespace sumbench {

namespace {

// True when a launcher (mpirun, srun) started this process.
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name)) return true;
  return false;
}

// The steady clock in seconds (CLOCK_MONOTONIC on Linux: one clock per host).
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

World::World(int* argc, char*** argv) {
  // Started without mpirun, Open MPI's singleton init would bind this process to one
  // core, and every OpenMP thread with it: keep the CPUs the user gave us instead.
  if (!launched_by_mpi()) setenv("OMPI_MCA_hwloc_base_binding_policy", "none", 0);
  int provided = 0;
  // FUNNELED: only the main thread of each rank calls MPI, OpenMP threads never do.
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

World::~World() {
  for (auto& [ranks, comm] : first_ranks_)
    if (comm != MPI_COMM_NULL) MPI_Comm_free(&comm);
  MPI_Finalize();
}

MPI_Comm World::first_ranks(int ranks) {
  auto found = first_ranks_.find(ranks);
  if (found != first_ranks_.end()) return found->second;
  MPI_Comm comm = MPI_COMM_NULL;
  MPI_Comm_split(MPI_COMM_WORLD, rank_ < ranks ? 0 : MPI_UNDEFINED, rank_, &comm);
  first_ranks_[ranks] = comm;
  return comm;
}

void World::sleepy_wait(MPI_Request& request, int longest_us) {
  // Each MPI_Test runs Open MPI's progress engine (tens of microseconds): polling every
  // 200 us cost the working ranks' threads 9% of sum's speed. Back off to 5 ms instead.
  auto pause = std::chrono::microseconds(50);
  int done = 0;
  for (;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(longest_us));
  }
}

void World::sleepy_barrier() {
  if (size_ == 1) return;
  MPI_Request request;
  MPI_Ibarrier(MPI_COMM_WORLD, &request);
  sleepy_wait(request);
}

void World::bcast(double* values, int count, bool sleep) {
  if (size_ == 1) return;
  MPI_Request request;
  MPI_Ibcast(values, count, MPI_DOUBLE, 0, MPI_COMM_WORLD, &request);
  if (sleep)
    sleepy_wait(request);
  else
    MPI_Wait(&request, MPI_STATUS_IGNORE);
}

// Cristian's algorithm: the ping-pong with the shortest round trip bounds the error by half
// of it (microseconds on a cluster network), small against what is measured with it.
double World::clock_offset(MPI_Comm team, bool one_host) {
  int rank = 0, size = 1;
  MPI_Comm_rank(team, &rank);
  MPI_Comm_size(team, &size);
  double offset = 0;
  if (one_host) return offset;
  for (int r = 1; r < size; ++r) {
    double t = 0;
    if (rank == 0) {
      double best_rtt = std::numeric_limits<double>::infinity(), best = 0;
      for (int k = 0; k < 16; ++k) {
        const double t0 = now_s();
        MPI_Sendrecv(&t0, 1, MPI_DOUBLE, r, 0, &t, 1, MPI_DOUBLE, r, 0, team, MPI_STATUS_IGNORE);
        const double t1 = now_s();
        if (t1 - t0 < best_rtt) best_rtt = t1 - t0, best = t - 0.5 * (t0 + t1);
      }
      MPI_Send(&best, 1, MPI_DOUBLE, r, 1, team);
    } else if (rank == r) {
      for (int k = 0; k < 16; ++k) {
        MPI_Recv(&t, 1, MPI_DOUBLE, 0, 0, team, MPI_STATUS_IGNORE);
        t = now_s();
        MPI_Send(&t, 1, MPI_DOUBLE, 0, 0, team);
      }
      MPI_Recv(&offset, 1, MPI_DOUBLE, 0, 1, team, MPI_STATUS_IGNORE);
    }
  }
  return offset;
}

std::string World::library_version() const {
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(version, &length);
  std::string v(version, static_cast<std::size_t>(length));
  v = v.substr(0, v.find_first_of(",\n"));  // "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4"
  std::string out;                          // "MPICH Version:\t4.0.2" -> "MPICH Version: 4.0.2"
  for (char c : v)
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += c;
    else if (!out.empty() && out.back() != ' ')
      out += ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string World::expected_ranks_problem() const {
  const char* text = std::getenv("SUMBENCH_EXPECT_RANKS");
  if (!text || !*text) return {};
  const std::string t = text;
  if (t.size() > 7 || t.find_first_not_of("0123456789") != std::string::npos || std::stoi(t) < 1)
    return "SUMBENCH_EXPECT_RANKS=" + t +
           " is not a rank count: use a whole number from 1 to 9999999, or unset it";
  const int expected = std::stoi(t);
  if (expected == size_) return {};
  const std::string size = std::to_string(size_);
  if (size_ > 1)  // one world, of another size: an MPMD launch, or a variable set for some ranks only
    return "MPI_COMM_WORLD has " + size + " rank(s) but the launcher was asked for " + t +
           " (SUMBENCH_EXPECT_RANKS): start " + t + " rank(s), or set SUMBENCH_EXPECT_RANKS=" + size +
           " for every rank, or unset it";
  const std::string library = library_version(), kind = mpi_kind(library);
  const std::string launcher = kind == "openmpi" ? "Open MPI's mpirun, or srun --mpi=pmix"
                               : kind == "mpich"
                                   ? "MPICH's mpiexec (Hydra, e.g. mpiexec.mpich), or srun --mpi=pmi2"
                                   : "the launcher of the MPI it was built with";
  return "MPI_COMM_WORLD has " + size + " rank(s) but the launcher was asked for " + t +
         " (SUMBENCH_EXPECT_RANKS): it does not start sumbench's MPI (" + library + ") as one world; use " +
         launcher;
}

std::string mpi_kind(const std::string& library_version) {
  for (const char* ompi : {"Open MPI", "OpenMPI"})
    if (library_version.find(ompi) != std::string::npos) return "openmpi";
  for (const char* mpich : {"MPICH", "Intel(R) MPI", "MVAPICH"})
    if (library_version.find(mpich) != std::string::npos) return "mpich";
  return "unknown";
}

}  // namespace sumbench
