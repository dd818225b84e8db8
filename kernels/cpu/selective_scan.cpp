// Mamba selective scan on CPU. Channels are independent, so the work splits into blocks of kLanes
// channels (one AVX-512 register, two AVX2 registers); within a block the time loop is sequential
// and the state h[N][kLanes] stays in L1. The cost is one exp per (t, channel, n): vexp keeps that
// vectorised, and target_clones picks AVX-512 / AVX2 / baseline at load time.
#include <algorithm>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/cpu/vec_math.h"

namespace spindle::cpu {
namespace {

constexpr int kLanes = 16;

// One block of up to kLanes channels [d0, d0 + lanes) of batch row b, all in group g.
__attribute__((target_clones("avx512f", "avx2", "default"))) void scan_block(const SelectiveScanParams& p,
                                                                             int64_t b, int64_t d0, int lanes,
                                                                             int64_t g, float* h, float* a_t) {
  const int64_t N = p.state, Dc = p.channels, L = p.length, G = p.groups;
  // A transposed to [n][lane] so the inner loop runs over contiguous lanes; unused lanes get A = 0.
  for (int64_t n = 0; n < N; ++n)
    for (int j = 0; j < kLanes; ++j) a_t[n * kLanes + j] = j < lanes ? p.A[(d0 + j) * N + n] : 0.f;
  float* state = p.state_io ? p.state_io + (b * Dc + d0) * N : nullptr;
  for (int64_t n = 0; n < N; ++n)
    for (int j = 0; j < kLanes; ++j) h[n * kLanes + j] = state && j < lanes ? state[j * N + n] : 0.f;
  float dskip[kLanes];
  for (int j = 0; j < kLanes; ++j) dskip[j] = p.D && j < lanes ? p.D[d0 + j] : 0.f;

  for (int64_t t = 0; t < L; ++t) {
    const int64_t row = (b * L + t) * Dc + d0;
    const float* Bt = p.B + ((b * L + t) * G + g) * N;
    const float* Ct = p.C + ((b * L + t) * G + g) * N;
    float dt[kLanes], xv[kLanes], dx[kLanes], y[kLanes];
    for (int j = 0; j < kLanes; ++j) {
      dt[j] = j < lanes ? p.delta[row + j] : 0.f;
      xv[j] = j < lanes ? p.x[row + j] : 0.f;
      dx[j] = dt[j] * xv[j];
      y[j] = 0.f;
    }
    for (int64_t n = 0; n < N; ++n) {
      const float bn = Bt[n], cn = Ct[n];
      float* hn = h + n * kLanes;
      const float* an = a_t + n * kLanes;
#pragma omp simd
      for (int j = 0; j < kLanes; ++j) {
        const float hv = vexp(dt[j] * an[j]) * hn[j] + dx[j] * bn;
        hn[j] = hv;
        y[j] += hv * cn;
      }
    }
#pragma omp simd
    for (int j = 0; j < kLanes; ++j) y[j] += dskip[j] * xv[j];
    if (p.z) {
      for (int j = 0; j < lanes; ++j) {
        const float zv = p.z[row + j];
        y[j] *= zv / (1.f + vexp(-zv));
      }
    }
    for (int j = 0; j < lanes; ++j) p.y[row + j] = y[j];
  }
  if (state)
    for (int64_t n = 0; n < N; ++n)
      for (int j = 0; j < lanes; ++j) state[j * N + n] = h[n * kLanes + j];
}

}  // namespace

void selective_scan(const SelectiveScanParams& p) {
  const int64_t per_group = p.channels / p.groups;
  const int64_t blocks_per_group = (per_group + kLanes - 1) / kLanes;
  const int64_t tasks = p.batch * p.groups * blocks_per_group;
  // Small problems stay on one thread: waking a team costs more than they do.
#pragma omp parallel if (p.batch * p.length * p.channels * p.state > (1 << 16))
  {
    std::vector<float> h(p.state * kLanes), a_t(p.state * kLanes);
#pragma omp for schedule(dynamic, 1)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t b = task / (p.groups * blocks_per_group);
      const int64_t g = task / blocks_per_group % p.groups;
      const int64_t blk = task % blocks_per_group;
      const int64_t d0 = g * per_group + blk * kLanes;
      const int lanes = static_cast<int>(std::min<int64_t>(kLanes, (g + 1) * per_group - d0));
      scan_block(p, b, d0, lanes, g, h.data(), a_t.data());
    }
  }
}

}  // namespace spindle::cpu
