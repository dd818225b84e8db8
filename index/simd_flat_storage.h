// SimdFlatStorage: the flat vector storage under FAISS's HNSW indexes, with distances computed by
// spindle's own AVX-512/AVX2 loops (internal to index/).
//
// Why: Debian's libfaiss 1.7.3 is built for baseline x86-64, and its fvec_inner_product takes
// 136-190 ns per 256-dimensional product here even with both vectors in cache (measured), about
// ten times what AVX-512 needs. HNSW build and search are a long chain of such single products (the
// graph walk cannot batch them into a GEMM), so they pay it on every step.
//
// The class is an IndexFlat (same codes, same metric), so FAISS writes it as a plain flat index
// and a store written with it reads back anywhere; spindle swaps it in after building an index from
// a factory string and after reading one (use_simd_flat_storage).
#pragma once

#include <faiss/IndexFlat.h>

namespace spindle::detail {

struct SimdFlatStorage : faiss::IndexFlat {
  // Takes over `flat`'s vectors (left empty) and metric.
  explicit SimdFlatStorage(faiss::IndexFlat&& flat);
  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override;
};

// The dot product and squared L2 distance of two float vectors, vectorised for the running CPU.
float simd_inner_product(const float* a, const float* b, size_t d);
float simd_l2_squared(const float* a, const float* b, size_t d);

// When `index` (possibly inside an IndexIDMap) is an HNSW index over an IndexFlat of inner product
// or L2 metric, replaces that storage by a SimdFlatStorage holding the same vectors. Other indexes
// are left as they are.
void use_simd_flat_storage(faiss::Index* index);

}  // namespace spindle::detail
