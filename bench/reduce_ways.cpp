// Why did combine's combine_s differ from "a plain MPI_Reduce of 8 MiB"? The same
// 8 MiB reduced between the ranks, by data type and by method, on this machine:
//   mpirun -n 2 build/bench/reduce_ways [repetitions]
// For each way: best and median of the repetitions of (max over ranks of one call).
// "barrier" starts every call from a barrier, as sumbench's mpi_reduce_s does; "after
// work" first runs combine's body on a rank-dependent share (rank r does (1 + r/4) of
// the work), so the ranks arrive apart, as in the kernel, and times the reduce from each
// rank's own arrival (the old combine_s) and from the last arrival (the new one).
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
double now_s() {
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

int rank = 0, size = 1, repetitions = 20;

void report(const char* what, std::vector<double> t) {
  std::sort(t.begin(), t.end());
  const double median = t.size() % 2 ? t[t.size() / 2] : 0.5 * (t[t.size() / 2 - 1] + t[t.size() / 2]);
  if (rank == 0)
    std::printf("  %-58s best %7.3f ms   median %7.3f ms\n", what, t.front() * 1e3, median * 1e3);
}

// Max over ranks of one timed call, from a barrier, `repetitions` times.
void from_barrier(const char* what, const std::function<void()>& call) {
  std::vector<double> t;
  for (int r = 0; r < repetitions; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = now_s();
    call();
    double mine = now_s() - start, most = 0;
    MPI_Allreduce(&mine, &most, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    t.push_back(most);
  }
  report(what, t);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc > 1) repetitions = std::max(1, std::atoi(argv[1]));
  const int m = 1 << 20;  // combine's default partial: 2^20 doubles, 8 MiB
  std::vector<double> d(m, 1.0), dr(m, 0.0);
  std::vector<std::uint64_t> u(m, 1), ur(m, 0);
  std::vector<unsigned char> b(8u * m, 1), br(8u * m, 0);
  if (rank == 0)
    std::printf("8 MiB reduced to rank 0 of %d ranks, %d repetitions (max over ranks of each call)\n", size,
                repetitions);

  if (rank == 0) std::printf("data type (from a barrier):\n");
  from_barrier("MPI_DOUBLE, MPI_SUM (combine's)",
               [&] { MPI_Reduce(d.data(), dr.data(), m, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD); });
  from_barrier("MPI_UINT64_T, MPI_SUM",
               [&] { MPI_Reduce(u.data(), ur.data(), m, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD); });
  from_barrier("MPI_BYTE, MPI_BOR",
               [&] { MPI_Reduce(b.data(), br.data(), 8 * m, MPI_BYTE, MPI_BOR, 0, MPI_COMM_WORLD); });
  from_barrier("MPI_Send/MPI_Recv of the 8 MiB, no operation (2 ranks)", [&] {
    if (rank == 1) MPI_Send(d.data(), m, MPI_DOUBLE, 0, 0, MPI_COMM_WORLD);
    if (rank == 0 && size > 1) MPI_Recv(dr.data(), m, MPI_DOUBLE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  });

  // After combine's body (the partial freshly written), ranks arriving apart.
  if (rank == 0) std::printf("method (MPI_DOUBLE after combine's body on this rank's share):\n");
  std::vector<double> own, last, spread;
  for (int r = 0; r < repetitions; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const std::uint64_t n = (4u * m / size) * (4 + rank) / 4;  // rank r does (1 + r/4) of its share
    std::fill(d.begin(), d.end(), 0.0);
    double value = 1.0;
    std::uint64_t bucket = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      d[bucket] += value;
      if (++bucket == static_cast<std::uint64_t>(m)) bucket = 0, value += 1.0;
    }
    const double arrive = now_s();
    MPI_Reduce(d.data(), dr.data(), m, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    const double leave = now_s();  // one host: one clock for all ranks
    double mine[3] = {leave - arrive, arrive, leave}, most[3], least[3];
    MPI_Allreduce(mine, most, 3, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(mine, least, 3, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    own.push_back(most[0]), last.push_back(most[2] - most[1]), spread.push_back(most[1] - least[1]);
  }
  report("from each rank's own arrival (the old combine_s)", own);
  report("from the last rank's arrival (the new combine_s)", last);
  report("arrival spread (the new combine_wait_s)", spread);
  MPI_Finalize();
  return 0;
}
