// Searching several stores as one, and merging stores into one.
#include <faiss/IVFlib.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/invlists/InvertedLists.h>

#include <algorithm>
#include <cstring>

#include "index/faiss_util.h"
#include "index/vector_store.h"

namespace spindle {

namespace {

void check_same_space(const VectorStore& a, const VectorStore& b, size_t i) {
  if (b.dim() != a.dim())
    throw Error("dimension mismatch: store " + std::to_string(i) + " has dimension " + std::to_string(b.dim()) +
                ", store 0 has " + std::to_string(a.dim()));
  if (b.metric() != a.metric())
    throw Error("metric mismatch: store " + std::to_string(i) + " uses " + metric_name(b.metric()) + ", store 0 uses " +
                metric_name(a.metric()));
}

// Copies every vector and id of an index whose storage is exact (flat floats), in storage order.
// Returns false for lossy storage (PQ, SQ, ...), where a copy would not be the original vectors.
bool exact_contents(const faiss::Index* index, std::vector<float>& vectors, std::vector<int64_t>& ids) {
  const size_t d = index->d;
  if (auto* map = dynamic_cast<const faiss::IndexIDMap*>(index)) {
    const faiss::Index* inner = map->index;
    const faiss::IndexFlat* flat = dynamic_cast<const faiss::IndexFlat*>(inner);
    if (auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(inner)) flat = dynamic_cast<const faiss::IndexFlat*>(hnsw->storage);
    if (!flat) return false;
    vectors.assign(flat->get_xb(), flat->get_xb() + flat->ntotal * d);
    ids.assign(map->id_map.begin(), map->id_map.end());
    return true;
  }
  auto* ivf = dynamic_cast<const faiss::IndexIVFFlat*>(index);
  if (!ivf) return false;
  const faiss::InvertedLists* lists = ivf->invlists;
  vectors.clear();
  ids.clear();
  for (size_t list = 0; list < lists->nlist; ++list) {
    size_t n = lists->list_size(list);
    if (n == 0) continue;
    faiss::InvertedLists::ScopedCodes codes(lists, list);
    faiss::InvertedLists::ScopedIds list_ids(lists, list);
    // IVFFlat codes are the raw float vectors.
    const float* x = reinterpret_cast<const float*>(codes.get());
    vectors.insert(vectors.end(), x, x + n * d);
    ids.insert(ids.end(), list_ids.get(), list_ids.get() + n);
  }
  return true;
}

}  // namespace

SearchResult search_shards(const std::vector<const VectorStore*>& shards, const Tensor& queries, int64_t k,
                           const SearchParams& params) {
  if (shards.empty()) throw Error("no shards to search");
  int64_t total = 0;
  for (size_t i = 0; i < shards.size(); ++i) {
    check_same_space(*shards[0], *shards[i], i);
    total += shards[i]->count();
  }
  if (k < 1) throw Error("k must be at least 1, got " + std::to_string(k));
  if (k > total)
    throw Error("k = " + std::to_string(k) + " is larger than the index (" + std::to_string(total) + " vectors in " +
                std::to_string(shards.size()) + " shards)");
  if (!queries.defined() || queries.ndim() != 2) throw Error("queries must be a 2-D matrix [N, D]");

  std::vector<SearchResult> parts;
  for (const VectorStore* shard : shards)
    if (shard->count() > 0) parts.push_back(shard->search(queries, std::min(k, shard->count()), params));

  SearchResult result;
  result.n_queries = queries.dim(0);
  result.k = k;
  result.ids.assign(static_cast<size_t>(result.n_queries * k), -1);
  result.scores.assign(static_cast<size_t>(result.n_queries * k), 0.0f);
  const bool higher_is_better = shards[0]->metric() == Metric::cosine;
  std::vector<std::pair<float, int64_t>> candidates;
  for (int64_t q = 0; q < result.n_queries; ++q) {
    candidates.clear();
    for (const SearchResult& part : parts)
      for (int64_t r = 0; r < part.k; ++r)
        if (part.id(q, r) >= 0) candidates.emplace_back(part.score(q, r), part.id(q, r));
    // Each shard's list is already sorted; a stable sort keeps shard order among equal scores.
    std::stable_sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) {
      return higher_is_better ? a.first > b.first : a.first < b.first;
    });
    int64_t n = std::min<int64_t>(k, static_cast<int64_t>(candidates.size()));
    for (int64_t r = 0; r < n; ++r) {
      result.scores[q * k + r] = candidates[r].first;
      result.ids[q * k + r] = candidates[r].second;
    }
  }
  return result;
}

VectorStore merge_stores(std::vector<VectorStore> parts) {
  if (parts.empty()) throw Error("no stores to merge");
  VectorStore& first = parts[0];
  for (size_t i = 0; i < parts.size(); ++i) {
    check_same_space(first, parts[i], i);
    if (parts[i].factory() != first.factory())
      throw Error("factory mismatch: store " + std::to_string(i) + " is '" + parts[i].factory() + "', store 0 is '" +
                  first.factory() + "'");
    // Vectors from different encoders live in different spaces; mixing them silently would make
    // every search meaningless.
    if (parts[i].producer() != first.producer())
      throw Error("producer mismatch: store " + std::to_string(i) + " holds vectors from '" + parts[i].producer() +
                  "', store 0 from '" + first.producer() + "'");
    if (parts[i].is_mapped()) throw Error("store " + std::to_string(i) + " is memory-mapped; open it without mmap to merge");
  }
  if (parts.size() == 1) return std::move(first);

  bool compatible = true;
  for (size_t i = 1; i < parts.size() && compatible; ++i) {
    try {
      first.index_->check_compatible_for_merge(*parts[i].index_);
    } catch (const faiss::FaissException&) {
      compatible = false;
    }
  }
  if (compatible) {
    // FAISS moves the codes and ids across without decoding: exact, and cheap.
    for (size_t i = 1; i < parts.size(); ++i)
      detail::faiss_call("merging store " + std::to_string(i), [&] { first.index_->merge_from(*parts[i].index_, 0); });
    first.manifest_.count = first.count();
    return std::move(first);
  }

  std::vector<float> vectors, part_vectors;
  std::vector<int64_t> ids, part_ids;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!exact_contents(parts[i].index_.get(), part_vectors, part_ids))
      throw Error("cannot merge '" + first.factory() +
                  "' stores trained separately (their quantizers differ); build the shards from one trained "
                  "store (spindle index build --trained DIR) or rebuild from the vectors");
    vectors.insert(vectors.end(), part_vectors.begin(), part_vectors.end());
    ids.insert(ids.end(), part_ids.begin(), part_ids.end());
    part_vectors = {};
    part_ids = {};
  }
  BuildOptions options;
  options.factory = first.factory();
  options.metric = first.metric();
  options.producer = first.producer();
  options.hnsw_ef_search = first.manifest().ef_search;  // keep the first store's search default
  const int64_t n = static_cast<int64_t>(ids.size());
  return VectorStore::build(vectors.data(), n, first.dim(), ids, options);
}

}  // namespace spindle
