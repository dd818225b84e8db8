// Kernel throughput: GEMM GFLOP/s (f32 and bf16 through oneDNN) and fft_conv throughput at
// L = 1k, 64k, 1M. `bench_core_kernels [threads]`. Prints one line per measurement.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "kernels/backend.h"
#include "kernels/ops.h"

using namespace spindle;

namespace {

Tensor random_tensor(const Shape& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist;
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

template <typename F>
double best_seconds(F&& f, int repeats) {
  f();  // warm-up: JIT kernels, FFT plans, page faults
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  set_num_threads(threads);
  std::printf("cpu: %s, threads %d\n", cpu_features_summary().c_str(), threads);

  struct GemmCase { int64_t m, n, k; const char* what; };
  for (GemmCase c : {GemmCase{2048, 2048, 2048, "square"}, GemmCase{4096, 384, 128, "hyena in_proj chunk"},
                     GemmCase{4096, 512, 128, "hyena fc1 chunk"}}) {
    Tensor a = random_tensor({c.m, c.k}, 1), b = random_tensor({c.n, c.k}, 2), out = Tensor::empty({c.m, c.n});
    const double flops = 2.0 * c.m * c.n * c.k;
    double s32 = best_seconds([&] {
      ops::gemm_f32(false, true, c.m, c.n, c.k, 1.f, a.data<float>(), c.k, b.data<float>(), c.k, 0.f, out.data<float>(), c.n);
    }, 5);
    Tensor a16 = a.to(DType::bf16), b16 = b.to(DType::bf16);
    double s16 = best_seconds([&] {
      ops::gemm_bf16(false, true, c.m, c.n, c.k, 1.f, a16.data<uint16_t>(), c.k, b16.data<uint16_t>(), c.k, 0.f,
                     out.data<float>(), c.n);
    }, 5);
    std::printf("gemm %-20s M=%lld N=%lld K=%lld  f32 %7.1f GFLOP/s  bf16 %7.1f GFLOP/s\n", c.what, (long long)c.m,
                (long long)c.n, (long long)c.k, flops / s32 * 1e-9, flops / s16 * 1e-9);
  }

  for (int64_t L : {1024LL, 65536LL, 1000000LL}) {
    const int64_t rows = 16;
    Tensor u = random_tensor({rows, L}, 3), k = random_tensor({rows, L}, 4);
    double s = best_seconds([&] { ops::fft_conv(u, k); }, L >= 1000000 ? 2 : 5);
    std::printf("fft_conv L=%-8lld rows=%lld n=%-8lld %8.2f ms  %7.1f Msamples/s  (%.3f ms per row)\n", (long long)L,
                (long long)rows, (long long)ops::fft_conv_size(L), s * 1e3, rows * L / s * 1e-6, s * 1e3 / rows);
  }
  return 0;
}
