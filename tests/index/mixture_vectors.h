// Embedding-like synthetic vectors for index tests (also used by the CLI tests, which cannot
// include index_test_data.h: its expect_error would clash with theirs).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/tensor.h"

namespace spindle::test {

// Vectors shaped like embeddings (as bench/index_bench.cpp makes them): `clusters` Gaussian
// clusters (centres N(0, I), spread 0.8) in a d-dimensional latent space, mapped by one random
// linear map (so the noise is anisotropic) plus isotropic noise 0.05. The mixture (centres, map)
// comes from `mixture_seed`, the draws from `sample_seed`: base and queries share a mixture.
// With 3 clusters, 10000 x 64 is hard enough for HNSW32 that efSearch 16 loses recall (0.93
// recall@10) where 64 does not (0.997).
inline Tensor mixture_vectors(int64_t n, int64_t d, int clusters, uint64_t mixture_seed,
                              uint64_t sample_seed) {
  std::mt19937_64 rng(mixture_seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centres(static_cast<size_t>(clusters * d)), map(static_cast<size_t>(d * d));
  for (float& c : centres) c = normal(rng);
  for (float& a : map) a = normal(rng) / std::sqrt(static_cast<float>(d));
  rng.seed(sample_seed);
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  std::vector<float> z(static_cast<size_t>(d));
  Tensor t = Tensor::empty({n, d});
  float* x = t.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const float* c = &centres[static_cast<size_t>(pick(rng) * d)];
    for (int64_t l = 0; l < d; ++l) z[l] = c[l] + 0.8f * normal(rng);
    for (int64_t j = 0; j < d; ++j) {
      float s = 0;
      for (int64_t l = 0; l < d; ++l) s += map[j * d + l] * z[l];
      x[i * d + j] = s + 0.05f * normal(rng);
    }
  }
  return t;
}

}  // namespace spindle::test
