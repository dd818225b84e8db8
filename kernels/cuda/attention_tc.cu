// Tensor-core attention (bf16 products, f32 softmax and accumulation): the same function as
// attention.cu under a looser error budget, for speed. FlashAttention-2 partitioning as there: one
// block per (64-query block, head, batch row), 4 warps x 16 query rows, key/value tiles of 64.
// Per tile each warp computes S = Q K^T (16 x 64) with WMMA 16x16x16 bf16 fragments, applies the
// masks and the online softmax in f32 (two lanes per row), writes P in bf16 and accumulates
// O += P V with WMMA into an f32 tile kept in shared memory (rescaled by exp(m_old - m_new)).
// Inputs are f32 and converted to bf16 as they are staged into shared memory.
#include <cuda_bf16.h>
#include <mma.h>

#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

constexpr int kTcWarps = 4;
constexpr int kTcRows = 16;                      // query rows per warp (one WMMA tile)
constexpr int kTcQueryBlock = kTcWarps * kTcRows;  // 64
constexpr int kTcKeyTile = 64;
constexpr int kPad16 = 8;  // bf16 row padding (WMMA ldm must be a multiple of 8 for 16-bit types)
constexpr int kPad32 = 4;  // f32 row padding (multiple of 4)

template <int kDh>
struct TcLayout {
  static constexpr int ld16 = kDh + kPad16;          // Q, K, V rows (bf16)
  static constexpr int lds = kTcKeyTile + kPad32;    // S rows (f32)
  static constexpr int ldp = kTcKeyTile + kPad16;    // P rows (bf16)
  static constexpr int ldo = kDh + kPad32;           // O rows (f32)
  static constexpr size_t q = 0;
  static constexpr size_t k = q + sizeof(__nv_bfloat16) * kTcQueryBlock * ld16;
  static constexpr size_t v = k + sizeof(__nv_bfloat16) * kTcKeyTile * ld16;
  static constexpr size_t s = v + sizeof(__nv_bfloat16) * kTcKeyTile * ld16;
  static constexpr size_t p = s + sizeof(float) * kTcQueryBlock * lds;
  static constexpr size_t o = p + sizeof(__nv_bfloat16) * kTcQueryBlock * ldp;
  static constexpr size_t bytes = o + sizeof(float) * kTcQueryBlock * ldo;
};

template <int kDh>
__global__ void __launch_bounds__(kTcWarps * 32) attention_tc_kernel(AttentionParams p) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  using L = TcLayout<kDh>;
  extern __shared__ __align__(128) unsigned char smem[];
  __nv_bfloat16* qs = reinterpret_cast<__nv_bfloat16*>(smem + L::q);
  __nv_bfloat16* ks = reinterpret_cast<__nv_bfloat16*>(smem + L::k);
  __nv_bfloat16* vs = reinterpret_cast<__nv_bfloat16*>(smem + L::v);
  const int64_t H = p.heads, Hkv = p.kv_heads, Lq = p.q_len, Lk = p.k_len;
  const int64_t i0 = int64_t(blockIdx.x) * kTcQueryBlock, h = blockIdx.y, b = blockIdx.z;
  const int64_t kvh = h / (H / Hkv), offset = Lk - Lq;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  float* sw = reinterpret_cast<float*>(smem + L::s) + warp * kTcRows * L::lds;
  __nv_bfloat16* pw = reinterpret_cast<__nv_bfloat16*>(smem + L::p) + warp * kTcRows * L::ldp;
  float* ow = reinterpret_cast<float*>(smem + L::o) + warp * kTcRows * L::ldo;

  const int64_t rows = min(int64_t(kTcQueryBlock), Lq - i0);
  for (int e = threadIdx.x; e < kTcQueryBlock * kDh; e += blockDim.x) {
    const int r = e / kDh, d = e % kDh;
    qs[r * L::ld16 + d] = __float2bfloat16(r < rows ? p.q[((b * Lq + i0 + r) * H + h) * kDh + d] : 0.f);
  }
  for (int e = lane; e < kTcRows * kDh; e += 32) ow[(e / kDh) * L::ldo + e % kDh] = 0.f;
  const int64_t k_end = p.causal ? max(int64_t(0), min(Lk, i0 + rows + offset)) : Lk;

  // Lanes 2r and 2r+1 own row r of this warp's 16: columns [0, 32) and [32, 64) of S and P,
  // halves of the head dimension of O.
  const int my_row = lane >> 1, half = lane & 1;
  const int64_t query = i0 + warp * kTcRows + my_row;
  float m = -INFINITY, l = 0.f;

  for (int64_t j0 = 0; j0 < k_end; j0 += kTcKeyTile) {
    __syncthreads();  // previous tiles consumed (first pass: Q staged)
    for (int e = threadIdx.x; e < kTcKeyTile * kDh; e += blockDim.x) {
      const int j = e / kDh, d = e % kDh;
      const bool in = j0 + j < Lk;
      const int64_t src = ((b * Lk + j0 + j) * Hkv + kvh) * kDh + d;
      ks[j * L::ld16 + d] = __float2bfloat16(in ? p.k[src] : 0.f);
      vs[j * L::ld16 + d] = __float2bfloat16(in ? p.v[src] : 0.f);
    }
    __syncthreads();
    if (warp * kTcRows >= rows) continue;  // this warp has no real query rows (uniform)

    // S = Q_w K^T: 16 x 64, four 16-column fragments, Dh/16 steps each.
#pragma unroll
    for (int nb = 0; nb < kTcKeyTile / 16; ++nb) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::fill_fragment(acc, 0.f);
#pragma unroll
      for (int kk = 0; kk < kDh / 16; ++kk) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> a;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> kt;  // K^T
        wmma::load_matrix_sync(a, qs + warp * kTcRows * L::ld16 + kk * 16, L::ld16);
        wmma::load_matrix_sync(kt, ks + nb * 16 * L::ld16 + kk * 16, L::ld16);
        wmma::mma_sync(acc, a, kt, acc);
      }
      wmma::store_matrix_sync(sw + nb * 16, acc, L::lds, wmma::mem_row_major);
    }
    __syncwarp();

    // Masks and online softmax in f32 for this lane's half row.
    float* srow = sw + my_row * L::lds + half * 32;
    float mx = -INFINITY;
    for (int c = 0; c < 32; ++c) {
      const int64_t key = j0 + half * 32 + c;
      const bool visible = query < Lq && key < Lk && (!p.key_mask || p.key_mask[b * Lk + key]) &&
                           (!p.causal || key <= query + offset);
      const float sv = visible ? srow[c] * p.scale : -INFINITY;
      srow[c] = sv;
      mx = fmaxf(mx, sv);
    }
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    const float m_new = fmaxf(m, mx);
    float sum = 0.f;
    __nv_bfloat16* prow = pw + my_row * L::ldp + half * 32;
    for (int c = 0; c < 32; ++c) {
      const float e = m_new == -INFINITY || srow[c] == -INFINITY ? 0.f : expf(srow[c] - m_new);
      sum += e;
      prow[c] = __float2bfloat16(e);
    }
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    const float alpha = m == -INFINITY ? (m_new == -INFINITY ? 1.f : 0.f) : expf(m - m_new);
    l = l * alpha + sum;
    m = m_new;
    float* orow = ow + my_row * L::ldo + half * (kDh / 2);
    if (alpha != 1.f)
      for (int d = 0; d < kDh / 2; ++d) orow[d] *= alpha;
    __syncwarp();

    // O_w += P_w V: 16 x Dh, Dh/16 fragments, 4 steps over the 64 keys.
#pragma unroll
    for (int nb = 0; nb < kDh / 16; ++nb) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::load_matrix_sync(acc, ow + nb * 16, L::ldo, wmma::mem_row_major);
#pragma unroll
      for (int kk = 0; kk < kTcKeyTile / 16; ++kk) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> pa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::row_major> vb;
        wmma::load_matrix_sync(pa, pw + kk * 16, L::ldp);
        wmma::load_matrix_sync(vb, vs + kk * 16 * L::ld16 + nb * 16, L::ld16);
        wmma::mma_sync(acc, pa, vb, acc);
      }
      wmma::store_matrix_sync(ow + nb * 16, acc, L::ldo, wmma::mem_row_major);
    }
    __syncwarp();
  }
  __syncwarp();
  if (query < Lq) {
    const float inv = l > 0.f ? 1.f / l : 0.f;  // a row that saw no key gets zeros
    const float* orow = ow + my_row * L::ldo + half * (kDh / 2);
    float* out = p.out + ((b * Lq + query) * H + h) * kDh + half * (kDh / 2);
    for (int d = 0; d < kDh / 2; ++d) out[d] = orow[d] * inv;
  }
#else
  __trap();  // bf16 WMMA needs sm_80; the host side refuses older GPUs before launching
#endif
}

template <int kDh>
void launch_tc(const AttentionParams& p) {
  const size_t smem = TcLayout<kDh>::bytes;
  SPINDLE_CUDA_CHECK(cudaFuncSetAttribute(attention_tc_kernel<kDh>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          static_cast<int>(smem)));
  const int64_t q_blocks = (p.q_len + kTcQueryBlock - 1) / kTcQueryBlock;
  if (q_blocks > 0x7fffffff || p.heads > 65535 || p.batch > 65535) throw Error("attention: problem too large for one grid");
  const dim3 grid(static_cast<unsigned>(q_blocks), static_cast<unsigned>(p.heads), static_cast<unsigned>(p.batch));
  attention_tc_kernel<kDh><<<grid, kTcWarps * 32, smem>>>(p);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace

void attention_tensor_cores(const AttentionParams& p) {
  if (p.batch == 0 || p.q_len == 0 || p.heads == 0) return;
  int device = 0, major = 0;
  SPINDLE_CUDA_CHECK(cudaGetDevice(&device));
  SPINDLE_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  if (major < 8) throw Error("attention (tensor cores): needs an sm_80 or newer GPU");
  if (p.head_dim == 64) launch_tc<64>(p);
  else if (p.head_dim == 128) launch_tc<128>(p);
  else throw Error("attention (tensor cores): head_dim must be 64 or 128, got " + std::to_string(p.head_dim));
}

}  // namespace spindle::cuda
