// VectorStore: a FAISS index of fixed-dimension float vectors with 64-bit ids, persisted as a
// directory (FAISS file + versioned JSON manifest). It knows vectors and ids, nothing about what
// they encode; the caller describes that in the manifest's `producer` string.
//
// Similarity: Metric::cosine stores and searches L2-normalised vectors with inner product (the
// score is the cosine, higher is better); Metric::l2 uses squared Euclidean distance on the raw
// vectors (lower is better). Every failure a user can cause throws spindle::Error naming the file
// or the problem; FAISS exceptions never escape.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernels/tensor.h"

namespace faiss {
struct Index;
}

namespace spindle {

enum class Metric : uint8_t { cosine, l2 };

const char* metric_name(Metric metric);  // "cosine" | "l2"
// Accepts "cosine", "ip" (both mean cosine) and "l2"; throws Error otherwise.
Metric parse_metric(const std::string& name);

// The efSearch an HNSW store searches with when neither the build nor the search names one.
// FAISS's own default, 16, gave recall@10 0.93 on 50k x 128 clustered vectors; 64 gave 0.99
// (BENCHMARKS.md, "index: HNSW search default").
inline constexpr int64_t kDefaultHnswEfSearch = 64;

// What is recorded beside the index file (manifest.json). Format version 1: the index file is a
// FAISS index. Version 2 adds factory "Int8Flat", whose file is spindle's own (index/int8_flat.h);
// stores of FAISS factories are still written as version 1, so older spindles read them.
// `ef_search` is an optional field (older spindles ignore it; a manifest without it gets
// kDefaultHnswEfSearch for HNSW), so it needs no new version.
struct VectorStoreManifest {
  static constexpr int kFormatVersion = 2;  // the newest this build reads and writes
  int format_version = kFormatVersion;
  int64_t dim = 0;
  Metric metric = Metric::cosine;
  std::string factory;   // FAISS factory string, e.g. "HNSW32", "IVF1024,PQ32", or "Int8Flat"
  int64_t count = 0;     // vectors in the index
  std::string producer;  // free text: what produced the vectors (encoder / model description)
  std::string faiss_file = "index.faiss";  // relative to the directory ("index.i8" for Int8Flat)
  uint64_t faiss_bytes = 0;
  std::string checksum;  // "crc32:<8 hex digits>" of the FAISS file
  std::string written_by;  // "spindle <version>"
  // HNSW: the efSearch used by searches that give none. (The FAISS file holds an efSearch too, but
  // before this field it was whatever FAISS defaulted to or the last search had set.) 0 for other
  // indexes, and in manifests written before the field existed.
  int64_t ef_search = 0;
};

struct BuildOptions {
  // A FAISS factory string, or "Int8Flat": exhaustive search like Flat on vectors quantised to
  // 8 bits with a per-vector scale (int8 GEMM, about 4x faster than Flat; scores within ~1e-3 of
  // the exact cosine for unit vectors; cosine metric only; index/int8_flat.h).
  std::string factory = "Flat";
  Metric metric = Metric::cosine;
  std::string producer;
  // Vectors used to train indexes that need training (IVF, PQ): a random sample of this many rows
  // (all rows when fewer). 0 = all rows.
  int64_t max_train_rows = 100000;
  uint64_t seed = 1234;  // for the training sample
  // HNSW: candidate list size while building the graph (0 = FAISS default, 40). Larger builds
  // slower and searches with better recall.
  int64_t hnsw_ef_construction = 0;
  // HNSW: the search-time candidate list recorded in the manifest as the store's default
  // (0 = kDefaultHnswEfSearch). A search's own SearchParams::ef_search overrides it.
  int64_t hnsw_ef_search = 0;
};

// Per-call search knobs; 0 means the store's default (HNSW: the manifest's ef_search; IVF: the
// index's current nprobe). Setting one the index does not have (nprobe on HNSW, ef on IVF) is an
// Error.
struct SearchParams {
  int64_t nprobe = 0;     // IVF: inverted lists visited per query
  int64_t ef_search = 0;  // HNSW: candidate list size
};

// Top-k results for a batch: row-major [n_queries x k]. Unfilled slots (fewer than k results,
// possible with IVF and a small nprobe) have id -1.
struct SearchResult {
  int64_t n_queries = 0;
  int64_t k = 0;
  std::vector<int64_t> ids;
  std::vector<float> scores;  // cosine: inner product of unit vectors; l2: squared distance
  int64_t id(int64_t q, int64_t r) const { return ids[q * k + r]; }
  float score(int64_t q, int64_t r) const { return scores[q * k + r]; }
};

struct OpenOptions {
  bool mmap = true;             // memory-map inverted lists where FAISS can (IVF indexes)
  bool verify_checksum = true;  // recompute the FAISS file's checksum and compare
};

class VectorStore {
 public:
  // An empty index of dimension `dim` from `options.factory`. Indexes that need training must be
  // trained (train() or build()) before add()/search(). Throws Error on a bad factory string.
  static VectorStore create(int64_t dim, const BuildOptions& options);
  // create() + train on a sample (when needed) + add. `vectors`: f32 [N, D] on CPU (f16/bf16 are
  // converted). `ids`: N ids, or empty for ids 0..N-1.
  static VectorStore build(const Tensor& vectors, const std::vector<int64_t>& ids, const BuildOptions& options);
  static VectorStore build(const float* vectors, int64_t n, int64_t dim, const std::vector<int64_t>& ids,
                           const BuildOptions& options);
  // An empty store with the same trained structure (quantizers, codebooks) as `trained`, so that
  // shards built from it can later be merged exactly (IVF/PQ shards must share training).
  static VectorStore empty_like(const VectorStore& trained);
  // Opens a directory written by save(). Checks the manifest version, the FAISS file's size and
  // (by default) its checksum, and that the index agrees with the manifest.
  static VectorStore open(const std::string& dir, const OpenOptions& options = {});

  VectorStore(VectorStore&&) noexcept;
  VectorStore& operator=(VectorStore&&) noexcept;
  ~VectorStore();

  // Trains on `n` rows (no-op for indexes that need none). Vectors are normalised first for cosine.
  void train(const float* vectors, int64_t n);
  // Appends vectors with their ids (empty ids: count()..count()+n-1). Error when untrained, when
  // the store was opened memory-mapped (read-only), or on a dimension mismatch.
  void add(const Tensor& vectors, const std::vector<int64_t>& ids = {});
  void add(const float* vectors, int64_t n, const std::vector<int64_t>& ids = {});

  // Room for `n` vectors in total, so adding them in pieces does not reallocate (Int8Flat; a
  // no-op for FAISS indexes).
  void reserve(int64_t n);

  // Scores one query against the stored vectors with ids `ids[0..n)` (cosine: inner product of
  // unit vectors) into `scores`, without a search: the re-ranking of candidates chosen elsewhere.
  // For Int8Flat and Flat stores whose ids are their insertion order (0..count-1, as
  // `spindle index ref` writes them); any other store, or an id out of range, throws Error.
  // Thread-safe: many threads may call it at once.
  void score_ids(const float* query, const int64_t* ids, int64_t n, float* scores) const;

  // Top-k for each query row. `queries`: f32 [Q, D]. Error when untrained, on a dimension
  // mismatch, or when k < 1 or k > count(). Calls are serialised; each batch is split into slices
  // searched on all OpenMP threads, so pass queries in batches.
  SearchResult search(const Tensor& queries, int64_t k, const SearchParams& params = {}) const;
  SearchResult search(const float* queries, int64_t n_queries, int64_t k, const SearchParams& params = {}) const;

  // Writes `dir` (index.faiss + manifest.json) atomically: a failure leaves no directory behind;
  // an existing directory is replaced only on success.
  // Only a vector store directory (or an empty one) is replaced; any other directory is refused.
  void save(const std::string& dir) const;
  // Throws Error now if save(dir) would refuse `dir` (so a command can fail before its work).
  static void check_save_target(const std::string& dir);

  int64_t dim() const { return manifest_.dim; }
  int64_t count() const;
  Metric metric() const { return manifest_.metric; }
  bool is_trained() const;
  // True when the store was opened with its inverted lists memory-mapped (read-only).
  bool is_mapped() const { return mapped_; }
  const std::string& factory() const { return manifest_.factory; }
  const std::string& producer() const { return manifest_.producer; }
  void set_producer(std::string producer) { manifest_.producer = std::move(producer); }
  // The manifest as it would be saved (faiss_bytes/checksum are those read by open(), else empty).
  const VectorStoreManifest& manifest() const { return manifest_; }
  // One line per fact: FAISS class, trained, count, mapped, nprobe/efSearch defaults.
  std::string describe() const;

  // The underlying FAISS index, for advanced use (benchmarks, tests).
  faiss::Index* faiss_index() const { return index_.get(); }

 private:
  friend VectorStore merge_stores(std::vector<VectorStore> parts);
  VectorStore() = default;
  struct IndexDeleter {
    void operator()(faiss::Index* index) const;
  };
  std::unique_ptr<faiss::Index, IndexDeleter> index_;
  VectorStoreManifest manifest_;
  bool mapped_ = false;
  std::unique_ptr<std::mutex> search_mutex_ = std::make_unique<std::mutex>();
  // Whether every id equals its row (checked once, on the first score_ids): a per-id check would
  // be one more cache miss per scored vector.
  bool ids_are_rows() const;
  std::unique_ptr<std::once_flag> ids_checked_ = std::make_unique<std::once_flag>();
  mutable bool ids_are_rows_ = false;
};

// Searches several stores (shards) and merges their top-k by score, so the result equals a search
// of one index holding all their vectors (exactly so for Flat). The shards must share dim and
// metric; k may not exceed the total count.
SearchResult search_shards(const std::vector<const VectorStore*>& shards, const Tensor& queries, int64_t k,
                           const SearchParams& params = {});

// Merges stores into one: same dim, metric, factory and producer. Uses FAISS merge_from when the
// indexes are compatible (Flat; IVF/PQ shards made with empty_like), else rebuilds from exactly
// stored vectors (HNSW over flat storage). Otherwise (IVF/PQ trained separately) throws Error.
// Inputs should be opened with mmap = false.
VectorStore merge_stores(std::vector<VectorStore> parts);

}  // namespace spindle
