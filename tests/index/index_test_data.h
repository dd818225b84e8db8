// Small synthetic vector sets for the index tests, and a brute-force reference search.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "base/error.h"
#include "index/vector_store.h"
#include "kernels/tensor.h"
#include "tests/index/mixture_vectors.h"

namespace spindle::test {

// n vectors of dimension d around `clusters` random centres (Gaussian noise), deterministic in seed.
inline Tensor clustered_vectors(int64_t n, int64_t d, int clusters, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centres(static_cast<size_t>(clusters * d));
  for (float& c : centres) c = normal(rng);
  Tensor t = Tensor::empty({n, d});
  float* x = t.data<float>();
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  for (int64_t i = 0; i < n; ++i) {
    int c = pick(rng);
    for (int64_t j = 0; j < d; ++j) x[i * d + j] = centres[c * d + j] + 0.3f * normal(rng);
  }
  return t;
}

// Exact top-k (ids are row numbers mapped through `ids` when given): cosine or squared L2.
inline SearchResult brute_force(const Tensor& base, const Tensor& queries, int64_t k, Metric metric,
                                const std::vector<int64_t>& ids = {}) {
  const int64_t n = base.dim(0), d = base.dim(1), nq = queries.dim(0);
  const float* x = base.data<float>();
  const float* q = queries.data<float>();
  auto norm = [d](const float* v) {
    double s = 0;
    for (int64_t j = 0; j < d; ++j) s += double(v[j]) * v[j];
    return std::sqrt(s);
  };
  SearchResult r;
  r.n_queries = nq;
  r.k = k;
  std::vector<std::pair<double, int64_t>> all(n);
  for (int64_t qi = 0; qi < nq; ++qi) {
    const float* qv = q + qi * d;
    double qn = norm(qv);
    for (int64_t i = 0; i < n; ++i) {
      const float* xv = x + i * d;
      double s = 0;
      if (metric == Metric::cosine) {
        for (int64_t j = 0; j < d; ++j) s += double(qv[j]) * xv[j];
        s = -s / (qn * norm(xv));  // negate so smaller is better for both metrics
      } else {
        for (int64_t j = 0; j < d; ++j) s += (double(qv[j]) - xv[j]) * (double(qv[j]) - xv[j]);
      }
      all[i] = {s, ids.empty() ? i : ids[i]};
    }
    std::partial_sort(all.begin(), all.begin() + k, all.end());
    for (int64_t j = 0; j < k; ++j) {
      r.ids.push_back(all[j].second);
      r.scores.push_back(static_cast<float>(metric == Metric::cosine ? -all[j].first : all[j].first));
    }
  }
  return r;
}

// Runs `f`, expects an Error whose message contains `needle` and has no newline.
template <typename F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error thrown; expected one containing '" << needle << "'";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(needle), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

// Fraction of the reference's top-k ids found in the result's top-k, over all queries.
inline double recall_at_k(const SearchResult& result, const SearchResult& reference) {
  int64_t found = 0;
  for (int64_t q = 0; q < reference.n_queries; ++q)
    for (int64_t r = 0; r < reference.k; ++r) {
      int64_t want = reference.id(q, r);
      for (int64_t s = 0; s < result.k; ++s)
        if (result.id(q, s) == want) {
          ++found;
          break;
        }
    }
  return double(found) / double(reference.n_queries * reference.k);
}

}  // namespace spindle::test
