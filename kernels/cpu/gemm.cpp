// GEMM through oneDNN: its JIT picks AVX2 / AVX-512 / AVX-512-BF16 / AMX kernels from the CPU at run
// time, so no environment variable is needed (Debian's OpenBLAS 0.3.21 misdetects recent CPUs and
// needs OPENBLAS_CORETYPE to be fast; see BENCHMARKS.md for the measurement behind this choice).
#include <oneapi/dnnl/dnnl.h>

#include <map>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <tuple>

#include "kernels/kernels.h"

namespace spindle::cpu {

void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  dnnl_status_t status =
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  SPINDLE_ASSERT(status == dnnl_success);
}

namespace {

// A bf16 x bf16 -> f32 matmul primitive, cached per problem shape (creating one costs ~ms).
struct Bf16Key {
  bool ta, tb;
  int64_t m, n, k, lda, ldb, ldc;
  bool accumulate;
  auto tie() const { return std::tie(ta, tb, m, n, k, lda, ldb, ldc, accumulate); }
  bool operator<(const Bf16Key& o) const { return tie() < o.tie(); }
};

struct Bf16Gemm {
  dnnl::matmul primitive;
  dnnl::memory::desc a, b, c;
};

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

Bf16Gemm& bf16_gemm_for(const Bf16Key& key) {
  static std::map<Bf16Key, Bf16Gemm> cache;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  using dt = dnnl::memory::data_type;
  using dims = dnnl::memory::dims;
  // Row-major with leading dimensions: a transposed operand is expressed through strides.
  dnnl::memory::desc a_md(dims{key.m, key.k}, dt::bf16, key.ta ? dims{1, key.lda} : dims{key.lda, 1});
  dnnl::memory::desc b_md(dims{key.k, key.n}, dt::bf16, key.tb ? dims{1, key.ldb} : dims{key.ldb, 1});
  dnnl::memory::desc c_md(dims{key.m, key.n}, dt::f32, dims{key.ldc, 1});
  dnnl::primitive_attr attr;
  if (key.accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.f);
    attr.set_post_ops(ops);
  }
  auto desc = dnnl::matmul::desc(a_md, b_md, c_md);
  auto pd = dnnl::matmul::primitive_desc(desc, attr, cpu_engine());
  return cache.emplace(key, Bf16Gemm{dnnl::matmul(pd), a_md, b_md, c_md}).first->second;
}

}  // namespace

void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a,
               int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  SPINDLE_ASSERT(alpha == 1.f && (beta == 0.f || beta == 1.f));
  Bf16Gemm& g = bf16_gemm_for({trans_a, trans_b, m, n, k, lda, ldb, ldc, beta == 1.f});
  dnnl::stream stream(cpu_engine());
  dnnl::memory a_mem(g.a, cpu_engine(), const_cast<uint16_t*>(a));
  dnnl::memory b_mem(g.b, cpu_engine(), const_cast<uint16_t*>(b));
  dnnl::memory c_mem(g.c, cpu_engine(), c);
  g.primitive.execute(stream, {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}});
  stream.wait();
}

void gemm_s8s8s32_nt(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb,
                     int32_t* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  const int32_t no_offset = 0;
  dnnl_status_t status = dnnl_gemm_s8s8s32('N', 'T', 'F', m, n, k, 1.f, a, lda, 0, b, ldb, 0, 0.f, c, ldc, &no_offset);
  SPINDLE_ASSERT(status == dnnl_success);
}

}  // namespace spindle::cpu
