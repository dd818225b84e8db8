// Candidate-search benchmark for `spindle align`: how fast each FAISS index type finds a read's
// windows, and whether it finds the same ones as exact search.
//
//   bench_align_search_bench INDEX_DIR READS.fq [N_READS=20000] [FACTORIES='Flat;Int8Flat'] [K=8]
//
// INDEX_DIR is a `spindle index ref` directory made with the exact (Flat) index; its vectors are
// re-indexed with every factory given. Reads are embedded with the index's encoder. For each
// factory: build seconds, search seconds on one thread (all reads in one batch), microseconds per
// read, and recall against Flat: the share of reads whose exact best window is in the top K, and
// the share of exact top-K windows above the aligner's noise cut (cosine >= 0.5 x best) that are
// found. A factory ending in ",RFlat" is also run with k_factor 2, 4, 8 and 16 (re-ranking
// K x k_factor candidates exactly). QBS / DBS in the environment set FAISS's BLAS block sizes
// (faiss::distance_compute_blas_query_bs / _database_bs) for Flat.
#include <faiss/IndexIDMap.h>
#include <faiss/IndexRefine.h>
#include <faiss/utils/distances.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "genomics/fastx_reader.h"
#include "genomics/ref_index.h"
#include "index/vector_store.h"

using namespace spindle;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

faiss::IndexRefine* find_refine(faiss::Index* index) {
  if (auto* map = dynamic_cast<faiss::IndexIDMap*>(index)) index = map->index;
  return dynamic_cast<faiss::IndexRefine*>(index);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s INDEX_DIR READS.fq [N_READS] [FACTORIES] [K]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1], reads_path = argv[2];
  const int64_t max_reads = argc > 3 ? std::atoll(argv[3]) : 20000;
  const std::string factories = argc > 4 ? argv[4] : "Flat;Int8Flat";
  const int64_t k = argc > 5 ? std::atoll(argv[5]) : 8;
  omp_set_num_threads(1);
  if (const char* v = std::getenv("QBS")) faiss::distance_compute_blas_query_bs = std::atoi(v);
  if (const char* v = std::getenv("DBS")) faiss::distance_compute_blas_database_bs = std::atoi(v);

  RefIndex index = RefIndex::open(dir);
  const VectorStore& exact = index.store();
  const int64_t n = exact.count(), dim = exact.dim();
  std::vector<float> vectors(static_cast<size_t>(n * dim));
  {  // window ids are 0..n-1 in insertion order, so the wrapped index's rows are the windows
    faiss::Index* flat = exact.faiss_index();
    if (auto* map = dynamic_cast<faiss::IndexIDMap*>(flat)) flat = map->index;
    flat->reconstruct_n(0, n, vectors.data());
  }

  std::vector<SeqRecord> reads;
  FastxReader reader(reads_path);
  SeqRecord r;
  while (static_cast<int64_t>(reads.size()) < max_reads && reader.next(r)) reads.push_back(r);
  const int64_t q = static_cast<int64_t>(reads.size());
  std::vector<std::string_view> seqs;
  for (auto& x : reads) seqs.emplace_back(x.seq);
  std::vector<float> queries(static_cast<size_t>(q * dim));
  index.encoder().encode(seqs, queries.data());

  double t0 = now_s();
  SearchResult truth = exact.search(queries.data(), q, k);
  std::printf("reads %lld, windows %lld, dim %lld, k %lld; exact search %.3f s\n",
              static_cast<long long>(q), static_cast<long long>(n), static_cast<long long>(dim),
              static_cast<long long>(k), now_s() - t0);
  {  // the signal (best cosine) and the noise floor (k-th cosine) the index has to separate
    std::vector<float> best, kth;
    for (int64_t i = 0; i < q; ++i) {
      best.push_back(truth.score(i, 0));
      kth.push_back(truth.score(i, k - 1));
    }
    std::sort(best.begin(), best.end());
    std::sort(kth.begin(), kth.end());
    auto pct = [](const std::vector<float>& v, double p) {
      return v[static_cast<size_t>(p * (v.size() - 1))];
    };
    std::printf("best cosine p1 %.3f p10 %.3f p50 %.3f; k-th cosine p50 %.3f p90 %.3f p99 %.3f\n",
                pct(best, 0.01), pct(best, 0.1), pct(best, 0.5), pct(kth, 0.5), pct(kth, 0.9),
                pct(kth, 0.99));
  }
  std::printf(
      "factory\tk_factor\tbuild_s\tsearch_s\tus_per_read\tbest_found%%\tabove_cut_found%%\n");

  std::stringstream list(factories);
  std::string factory;
  while (std::getline(list, factory, ';')) {
    BuildOptions build;
    build.factory = factory;
    build.metric = Metric::cosine;
    double b0 = now_s();
    VectorStore store = VectorStore::build(vectors.data(), n, dim, {}, build);
    double build_s = now_s() - b0;
    std::vector<float> k_factors = {0};
    if (auto* refine = find_refine(store.faiss_index()))
      k_factors = {refine->k_factor, 2, 4, 8, 16};
    for (float kf : k_factors) {
      if (kf > 0) find_refine(store.faiss_index())->k_factor = kf;
      double s0 = now_s();
      SearchResult got = store.search(queries.data(), q, k);
      double search_s = now_s() - s0;
      int64_t best_found = 0, cut_total = 0, cut_found = 0, embeddable = 0;
      for (int64_t i = 0; i < q; ++i) {
        if (truth.id(i, 0) < 0 || truth.score(i, 0) <= 0.02f) continue;
        ++embeddable;
        auto found = [&](int64_t id) {
          for (int64_t j = 0; j < k; ++j)
            if (got.id(i, j) == id) return true;
          return false;
        };
        best_found += found(truth.id(i, 0));
        for (int64_t j = 0; j < k; ++j)
          if (truth.score(i, j) >= 0.5f * truth.score(i, 0)) {
            ++cut_total;
            cut_found += found(truth.id(i, j));
          }
      }
      std::printf("%s\t%g\t%.2f\t%.3f\t%.1f\t%.3f\t%.3f\n", factory.c_str(), kf, build_s, search_s,
                  1e6 * search_s / q, 100.0 * best_found / std::max<int64_t>(1, embeddable),
                  100.0 * cut_found / std::max<int64_t>(1, cut_total));
      std::fflush(stdout);
    }
  }
  return 0;
}
