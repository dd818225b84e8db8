// Flash-style attention on the GPU, the twin of kernels/cpu/attention.cpp. FlashAttention-2's work
// partitioning: one block per (query block, head, batch row); the block walks the key/value tiles
// once, keeping for each query a running max m, running sum l and an unnormalised output acc
// (online softmax: when m grows, l and acc are rescaled by exp(m_old - m_new)). Nothing of size
// Lq x Lk is ever stored.
//
// Inside a block: 4 warps x 8 query rows. For each tile of 32 keys (K and V staged in shared
// memory), lane j computes the score of key j for a row (a Dh-long dot product, q broadcast from
// shared memory, K rows padded so the 32 lanes hit 32 banks), the warp reduces max and sum with
// shuffles, and each lane accumulates its Dh/32 output columns from the 32 probabilities (shuffled
// in) times the V tile. f32 throughout, so the result matches the CPU twin to ~1e-6.
#include <cfloat>
#include <cmath>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

constexpr int kWarps = 4;
constexpr int kRowsPerWarp = 8;
constexpr int kQueryBlock = kWarps * kRowsPerWarp;  // 32
constexpr int kKeyTile = 32;

// kCols = output columns per lane (head_dim <= 32 kCols).
template <int kCols>
__global__ void __launch_bounds__(kWarps * 32) attention_kernel(AttentionParams p) {
  extern __shared__ float smem[];
  const int64_t H = p.heads, Hkv = p.kv_heads, Dh = p.head_dim, Lq = p.q_len, Lk = p.k_len;
  const int64_t i0 = int64_t(blockIdx.x) * kQueryBlock, h = blockIdx.y, b = blockIdx.z;
  const int64_t kvh = h / (H / Hkv), offset = Lk - Lq;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  float* qs = smem;                          // [kQueryBlock][Dh]
  float* ks = qs + kQueryBlock * Dh;         // [kKeyTile][Dh + 1]
  float* vs = ks + kKeyTile * (Dh + 1);      // [kKeyTile][Dh]

  const int64_t rows = min(int64_t(kQueryBlock), Lq - i0);
  for (int64_t e = threadIdx.x; e < kQueryBlock * Dh; e += blockDim.x) {
    const int64_t r = e / Dh, d = e % Dh;
    qs[e] = r < rows ? p.q[((b * Lq + i0 + r) * H + h) * Dh + d] : 0.f;
  }
  // Causal: the last query of the block sits at i0 + rows - 1 + offset and sees keys up to there.
  const int64_t k_end = p.causal ? max(int64_t(0), min(Lk, i0 + rows + offset)) : Lk;

  float m[kRowsPerWarp], l[kRowsPerWarp], acc[kRowsPerWarp][kCols];
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    m[r] = -INFINITY;
    l[r] = 0.f;
#pragma unroll
    for (int q = 0; q < kCols; ++q) acc[r][q] = 0.f;
  }

  for (int64_t j0 = 0; j0 < k_end; j0 += kKeyTile) {
    __syncthreads();  // the previous tile is no longer read (and qs is ready on the first pass)
    for (int64_t e = threadIdx.x; e < kKeyTile * Dh; e += blockDim.x) {
      const int64_t j = e / Dh, d = e % Dh;
      const bool in = j0 + j < Lk;
      const int64_t src = ((b * Lk + j0 + j) * Hkv + kvh) * Dh + d;
      ks[j * (Dh + 1) + d] = in ? p.k[src] : 0.f;
      vs[j * Dh + d] = in ? p.v[src] : 0.f;
    }
    __syncthreads();
    const int64_t key = j0 + lane;
    const bool key_ok = key < Lk && (!p.key_mask || p.key_mask[b * Lk + key]);
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int64_t row = warp * kRowsPerWarp + r;  // uniform across the warp
      if (row >= rows) continue;
      const bool visible = key_ok && (!p.causal || key <= i0 + row + offset);
      float dot = 0.f;
      const float* qr = qs + row * Dh;
      const float* kr = ks + lane * (Dh + 1);
      for (int64_t d = 0; d < Dh; ++d) dot += qr[d] * kr[d];
      const float s = visible ? dot * p.scale : -INFINITY;
      const float m_new = fmaxf(m[r], warp_max(s));
      if (m_new == -INFINITY) continue;  // nothing visible to this row yet (uniform)
      const float e = visible ? expf(s - m_new) : 0.f;
      const float alpha = m[r] == -INFINITY ? 0.f : expf(m[r] - m_new);
      l[r] = l[r] * alpha + warp_sum(e);
      m[r] = m_new;
#pragma unroll
      for (int q = 0; q < kCols; ++q) acc[r][q] *= alpha;
      // Partly unrolled: full unrolling (8 rows x 32 keys) made this file take minutes to compile.
#pragma unroll 4
      for (int j = 0; j < kKeyTile; ++j) {
        const float pj = __shfl_sync(0xffffffffu, e, j);
#pragma unroll
        for (int q = 0; q < kCols; ++q) {
          const int64_t d = lane + 32 * q;
          if (d < Dh) acc[r][q] += pj * vs[j * Dh + d];
        }
      }
    }
  }
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const int64_t row = warp * kRowsPerWarp + r;
    if (row >= rows) continue;
    const float inv = l[r] > 0.f ? 1.f / l[r] : 0.f;  // a row that saw no key gets zeros
    float* out = p.out + ((b * Lq + i0 + row) * H + h) * Dh;
#pragma unroll
    for (int q = 0; q < kCols; ++q) {
      const int64_t d = lane + 32 * q;
      if (d < Dh) out[d] = acc[r][q] * inv;
    }
  }
}

template <int kCols>
void launch(const AttentionParams& p) {
  const size_t smem = sizeof(float) * (kQueryBlock * p.head_dim + kKeyTile * (p.head_dim + 1) + kKeyTile * p.head_dim);
  SPINDLE_CUDA_CHECK(cudaFuncSetAttribute(attention_kernel<kCols>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          static_cast<int>(smem)));
  const int64_t q_blocks = (p.q_len + kQueryBlock - 1) / kQueryBlock;
  if (q_blocks > 0x7fffffff || p.heads > 65535 || p.batch > 65535) throw Error("attention: problem too large for one grid");
  const dim3 grid(static_cast<unsigned>(q_blocks), static_cast<unsigned>(p.heads), static_cast<unsigned>(p.batch));
  attention_kernel<kCols><<<grid, kWarps * 32, smem>>>(p);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace

void attention(const AttentionParams& p) {
  if (p.batch == 0 || p.q_len == 0 || p.heads == 0) return;
  if (p.head_dim <= 32) launch<1>(p);
  else if (p.head_dim <= 64) launch<2>(p);
  else if (p.head_dim <= 128) launch<4>(p);
  else if (p.head_dim <= 256) launch<8>(p);
  else throw Error("attention: the CUDA kernel supports head_dim <= 256, got " + std::to_string(p.head_dim));
}

}  // namespace spindle::cuda
