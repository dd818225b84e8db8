// Tied row attention on CPU. The logits of head h are sum_r Q_{r,h} K_{r,h}^T: packing a block of
// rb rows side by side turns that sum into one GEMM with inner size rb * head_dim, which keeps the
// GEMMs wide while the packing buffers stay small (O(cols * rb * head_dim) per thread) however deep
// the MSA is. Threads split heads; each head's GEMMs run single-threaded inside the region.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/kernels.h"

namespace spindle::cpu {
namespace {

// Rows packed per GEMM: inner size about 256 (at least one row).
int64_t row_block(int64_t head_dim) { return std::max<int64_t>(1, 256 / std::max<int64_t>(1, head_dim)); }

// dst[i, rr * Dh + d] = src[((r0 + rr) * C + i) * H + h) * Dh + d] for rr < nr.
void pack_rows(const AxialRowShape& s, const float* src, int64_t h, int64_t r0, int64_t nr, float* dst) {
  const int64_t C = s.cols, H = s.heads, Dh = s.head_dim, ld = nr * Dh;
  for (int64_t rr = 0; rr < nr; ++rr)
    for (int64_t i = 0; i < C; ++i)
      std::memcpy(dst + i * ld + rr * Dh, src + (((r0 + rr) * C + i) * H + h) * Dh, Dh * sizeof(float));
}

}  // namespace

void axial_row_logits(const AxialRowShape& s, const float* q, const float* k, float scale, float* logits,
                      bool accumulate) {
  const int64_t C = s.cols, Dh = s.head_dim, rb = row_block(Dh);
#pragma omp parallel
  {
    std::vector<float> qb(C * rb * Dh), kb(C * rb * Dh);
#pragma omp for schedule(static)
    for (int64_t h = 0; h < s.heads; ++h) {
      float* out = logits + h * C * C;
      if (!accumulate) std::fill(out, out + C * C, 0.f);
      for (int64_t r0 = 0; r0 < s.rows; r0 += rb) {
        const int64_t nr = std::min(rb, s.rows - r0);
        pack_rows(s, q, h, r0, nr, qb.data());
        pack_rows(s, k, h, r0, nr, kb.data());
        gemm_f32(false, true, C, C, nr * Dh, scale, qb.data(), nr * Dh, kb.data(), nr * Dh, 1.f, out, C);
      }
    }
  }
}

void axial_row_softmax(int64_t heads, int64_t cols, const uint8_t* key_mask, float mask_value, float* logits) {
#pragma omp parallel for schedule(static)
  for (int64_t row = 0; row < heads * cols; ++row) {
    float* x = logits + row * cols;
    if (key_mask)
      for (int64_t j = 0; j < cols; ++j)
        if (!key_mask[j]) x[j] = mask_value;  // a fill, as masked_fill does: not an addition
    const float mx = *std::max_element(x, x + cols);
    double sum = 0;
    for (int64_t j = 0; j < cols; ++j) sum += (x[j] = std::exp(x[j] - mx));
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t j = 0; j < cols; ++j) x[j] *= inv;
  }
}

void axial_row_apply(const AxialRowShape& s, const float* probs, const float* v, float* out) {
  const int64_t C = s.cols, H = s.heads, Dh = s.head_dim, rb = row_block(Dh);
#pragma omp parallel
  {
    std::vector<float> vb(C * rb * Dh), ob(C * rb * Dh);
#pragma omp for schedule(static)
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t r0 = 0; r0 < s.rows; r0 += rb) {
        const int64_t nr = std::min(rb, s.rows - r0), ld = nr * Dh;
        pack_rows(s, v, h, r0, nr, vb.data());
        gemm_f32(false, false, C, ld, C, 1.f, probs + h * C * C, C, vb.data(), ld, 0.f, ob.data(), ld);
        for (int64_t rr = 0; rr < nr; ++rr)
          for (int64_t i = 0; i < C; ++i)
            std::memcpy(out + (((r0 + rr) * C + i) * H + h) * Dh, ob.data() + i * ld + rr * Dh, Dh * sizeof(float));
      }
    }
  }
}

}  // namespace spindle::cpu
