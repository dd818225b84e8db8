// Flash-style attention on CPU. FlashAttention-2's partitioning: the unit of parallel work is
// (batch, head, block of kQueryBlock queries); each task walks the key blocks once, computing the
// score tile S = scale q k^T with a GEMM, folding it into a running row max m and row sum l
// (online softmax: when m grows, earlier sums and outputs are rescaled by exp(m_old - m_new)), and
// accumulating P v with a second GEMM. Extra memory is one tile per thread: O(L), not O(Lq Lk).
// Causal tasks stop at the last key their queries can see, which halves the work.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/cpu/vec_math.h"

namespace spindle::cpu {
namespace {

constexpr int64_t kQueryBlock = 64;
constexpr int64_t kKeyBlock = 128;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct Tile {
  std::vector<float> s, acc, m, l;
  explicit Tile(int64_t dh) : s(kQueryBlock * kKeyBlock), acc(kQueryBlock * dh), m(kQueryBlock), l(kQueryBlock) {}
};

__attribute__((target_clones("avx512f", "avx2", "default"))) void softmax_update(
    float* s, int64_t rows, int64_t cols, float* m, float* l, float* acc, int64_t dh) {
  for (int64_t r = 0; r < rows; ++r) {
    float* sr = s + r * kKeyBlock;
    float mx = kNegInf;
    for (int64_t c = 0; c < cols; ++c) mx = std::max(mx, sr[c]);
    const float m_new = std::max(m[r], mx);
    if (m_new == kNegInf) {  // nothing visible yet in this row
      for (int64_t c = 0; c < cols; ++c) sr[c] = 0.f;
      continue;
    }
    float sum = 0.f;
#pragma omp simd reduction(+ : sum)
    for (int64_t c = 0; c < cols; ++c) {
      const float e = sr[c] == kNegInf ? 0.f : vexp(sr[c] - m_new);
      sr[c] = e;
      sum += e;
    }
    const float alpha = m[r] == kNegInf ? 0.f : vexp(m[r] - m_new);
    l[r] = l[r] * alpha + sum;
    m[r] = m_new;
    if (alpha != 1.f) {
      float* ar = acc + r * dh;
#pragma omp simd
      for (int64_t i = 0; i < dh; ++i) ar[i] *= alpha;
    }
  }
}

void attention_task(const AttentionParams& p, int64_t b, int64_t h, int64_t i0, Tile& tile) {
  const int64_t H = p.heads, Hkv = p.kv_heads, dh = p.head_dim, Lq = p.q_len, Lk = p.k_len;
  const int64_t kvh = h / (H / Hkv);
  const int64_t rows = std::min(kQueryBlock, Lq - i0);
  const int64_t offset = Lk - Lq;  // query i sits at key position i + offset
  const int64_t k_end = p.causal ? std::clamp<int64_t>(i0 + rows + offset, 0, Lk) : Lk;
  const float* q = p.q + ((b * Lq + i0) * H + h) * dh;
  const int64_t q_ld = H * dh, kv_ld = Hkv * dh;
  std::fill(tile.acc.begin(), tile.acc.begin() + rows * dh, 0.f);
  std::fill(tile.m.begin(), tile.m.end(), kNegInf);
  std::fill(tile.l.begin(), tile.l.end(), 0.f);
  for (int64_t j0 = 0; j0 < k_end; j0 += kKeyBlock) {
    const int64_t cols = std::min(kKeyBlock, k_end - j0);
    const float* k = p.k + ((b * Lk + j0) * Hkv + kvh) * dh;
    const float* v = p.v + ((b * Lk + j0) * Hkv + kvh) * dh;
    gemm_f32(false, true, rows, cols, dh, p.scale, q, q_ld, k, kv_ld, 0.f, tile.s.data(), kKeyBlock);
    if (p.key_mask) {
      const uint8_t* mask = p.key_mask + b * Lk + j0;
      for (int64_t c = 0; c < cols; ++c)
        if (!mask[c])
          for (int64_t r = 0; r < rows; ++r) tile.s[r * kKeyBlock + c] = kNegInf;
    }
    if (p.causal && j0 + cols - 1 > i0 + offset) {  // the tile crosses the diagonal
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = std::max<int64_t>(0, i0 + r + offset + 1 - j0); c < cols; ++c)
          tile.s[r * kKeyBlock + c] = kNegInf;
    }
    softmax_update(tile.s.data(), rows, cols, tile.m.data(), tile.l.data(), tile.acc.data(), dh);
    gemm_f32(false, false, rows, dh, cols, 1.f, tile.s.data(), kKeyBlock, v, kv_ld, 1.f, tile.acc.data(), dh);
  }
  for (int64_t r = 0; r < rows; ++r) {
    float* out = p.out + ((b * Lq + i0 + r) * H + h) * dh;
    const float inv = tile.l[r] > 0.f ? 1.f / tile.l[r] : 0.f;
    for (int64_t i = 0; i < dh; ++i) out[i] = tile.acc[r * dh + i] * inv;
  }
}

}  // namespace

void attention(const AttentionParams& p) {
  const int64_t q_blocks = (p.q_len + kQueryBlock - 1) / kQueryBlock;
  const int64_t tasks = p.batch * p.heads * q_blocks;
#pragma omp parallel if (tasks > 1 && p.batch * p.heads * p.q_len * p.k_len * p.head_dim > (1 << 16))
  {
    Tile tile(p.head_dim);
    // Dynamic: causal blocks near the end see more keys than those at the start.
#pragma omp for schedule(dynamic, 1)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t qb = task % q_blocks, h = task / q_blocks % p.heads, b = task / (q_blocks * p.heads);
      attention_task(p, b, h, qb * kQueryBlock, tile);
    }
  }
}

}  // namespace spindle::cpu
