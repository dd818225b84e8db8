#include "index/simd_flat_storage.h"

#include <faiss/IndexHNSW.h>
#include <faiss/MetaIndexes.h>
#include <faiss/impl/DistanceComputer.h>

#include <typeinfo>

#include "index/faiss_util.h"

namespace spindle::detail {

// Four independent accumulators per lane hide the FMA latency; `omp simd` lets GCC reorder the
// float sum (the result differs from a sequential sum by rounding only).
__attribute__((target_clones("avx512f", "avx2", "default"))) float simd_inner_product(const float* a,
                                                                                     const float* b, size_t d) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (size_t i = 0; i < d; ++i) sum += a[i] * b[i];
  return sum;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) float simd_l2_squared(const float* a, const float* b,
                                                                                  size_t d) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (size_t i = 0; i < d; ++i) {
    const float diff = a[i] - b[i];
    sum += diff * diff;
  }
  return sum;
}

namespace {

// Distances as FAISS's flat computers define them: inner product for METRIC_INNER_PRODUCT (HNSW
// negates similarities itself), squared L2 otherwise.
struct SimdFlatDistanceComputer : faiss::FlatCodesDistanceComputer {
  SimdFlatDistanceComputer(const SimdFlatStorage& storage)
      : faiss::FlatCodesDistanceComputer(storage.codes.data(), storage.code_size),
        d(static_cast<size_t>(storage.d)),
        inner_product(storage.metric_type == faiss::METRIC_INNER_PRODUCT) {}

  void set_query(const float* x) override { query = x; }
  float distance_to_code(const uint8_t* code) override { return distance(query, reinterpret_cast<const float*>(code)); }
  float symmetric_dis(idx_t i, idx_t j) override {
    return distance(reinterpret_cast<const float*>(codes + i * code_size),
                    reinterpret_cast<const float*>(codes + j * code_size));
  }

 private:
  float distance(const float* a, const float* b) const {
    return inner_product ? simd_inner_product(a, b, d) : simd_l2_squared(a, b, d);
  }
  const float* query = nullptr;
  size_t d;
  bool inner_product;
};

}  // namespace

SimdFlatStorage::SimdFlatStorage(faiss::IndexFlat&& flat) : faiss::IndexFlat(flat.d, flat.metric_type) {
  codes.swap(flat.codes);
  ntotal = flat.ntotal;
  flat.ntotal = 0;
}

faiss::FlatCodesDistanceComputer* SimdFlatStorage::get_FlatCodesDistanceComputer() const {
  return new SimdFlatDistanceComputer(*this);
}

void use_simd_flat_storage(faiss::Index* index) {
  auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(const_cast<faiss::Index*>(unwrap_id_map(index)));
  if (!hnsw) return;
  auto* flat = dynamic_cast<faiss::IndexFlat*>(hnsw->storage);
  // Only plain flat storage of the two metrics this computer implements; anything else (already
  // swapped, or an exotic metric) stays with FAISS.
  if (!flat || dynamic_cast<SimdFlatStorage*>(flat)) return;
  if (flat->metric_type != faiss::METRIC_INNER_PRODUCT && flat->metric_type != faiss::METRIC_L2) return;
  auto* fast = new SimdFlatStorage(std::move(*flat));
  if (hnsw->own_fields) delete flat;
  hnsw->storage = fast;
  hnsw->own_fields = true;
}

}  // namespace spindle::detail
