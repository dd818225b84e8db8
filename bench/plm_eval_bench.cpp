// Times one pseudo-likelihood objective+gradient evaluation (the Potts fit's hot loop) on a real
// alignment: `plm_eval_bench FAMILY.a2m [threads] [repeats]`.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>

#include "proteins/msa.h"
#include "proteins/pseudo_likelihood.h"
#include "proteins/sequence_weights.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: plm_eval_bench FAMILY.a2m [threads] [repeats]\n");
    return 2;
  }
  int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  spindle::FocusAlignment a = spindle::read_focus_alignment(argv[1]);
  auto w = spindle::compute_sequence_weights(a, 0.2, threads);
  spindle::PseudoLikelihood plm(a.states.data(), a.n_sequences, a.n_columns, w, 0.01, 0.01 * 20 * (a.n_columns - 1), threads,
                                /*ignore_gaps=*/true);
  std::vector<float> x(plm.n_parameters(), 0.01f), g;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    std::clock_t c0 = std::clock();
    double f = plm.evaluate(x, g);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    std::printf("L %zu unique %zu threads %d: f %.6g in %.3f s wall, %.3f s CPU\n", a.n_columns, plm.n_unique_sequences(), threads, f, s, cpu);
  }
  return 0;
}
