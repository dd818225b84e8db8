#include "index/int8_flat.h"

#include <faiss/impl/FaissAssert.h>
#include <faiss/utils/Heap.h>
#include <omp.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>

#include "base/error.h"
#include "kernels/ops.h"
#include "kernels/parallel_for.h"

namespace spindle::detail {
namespace {

constexpr char kMagic[8] = {'S', 'P', 'N', 'D', 'L', 'I', '8', 'F'};
constexpr uint32_t kFileVersion = 1;
constexpr int64_t kHeaderBytes = 8 + 4 + 8 + 8;

// Rows of queries and of stored vectors per GEMM: the int32 block (256 x 1024 x 4 B = 1 MiB)
// stays in cache between the GEMM that writes it and the top-k pass that reads it.
constexpr int64_t kQueryBlock = 256;
constexpr int64_t kBaseBlock = 1024;

// codes = round(x / scale); returns the scale (0 for a zero vector). A vector proportional to
// integers of magnitude <= kMaxCode (a normalised count sketch) gets the scale that makes its codes
// exactly those integers, so its scores are exact; any other gets scale = max|x| / kMaxCode.
float quantize(const float* x, int64_t d, int8_t* codes) {
  float max_abs = 0, min_abs = std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < d; ++j) {
    const float a = std::fabs(x[j]);
    max_abs = std::max(max_abs, a);
    if (a > 0) min_abs = std::min(min_abs, a);
  }
  if (!(max_abs > 0) || !std::isfinite(max_abs)) {
    std::memset(codes, 0, d);
    return 0.f;
  }
  if (max_abs <= (IndexInt8Flat::kMaxCode + 0.5f) * min_abs) {
    // Is x = min_abs * (integers)? Allow float rounding from the normalisation.
    const float inv = 1.f / min_abs;
    bool integral = true;
    for (int64_t j = 0; j < d && integral; ++j) {
      const float c = x[j] * inv;
      integral = std::fabs(c - std::nearbyint(c)) < 1e-3f;
    }
    if (integral) {
      for (int64_t j = 0; j < d; ++j) codes[j] = static_cast<int8_t>(std::nearbyint(x[j] * inv));
      return min_abs;
    }
  }
  const float scale = max_abs / IndexInt8Flat::kMaxCode, inv = 1.f / scale;
  for (int64_t j = 0; j < d; ++j) {
    float c = std::nearbyint(x[j] * inv);
    codes[j] = static_cast<int8_t>(
        std::clamp(c, -float(IndexInt8Flat::kMaxCode), float(IndexInt8Flat::kMaxCode)));
  }
  return scale;
}

// Offers rows row0 + r (score dot[r] * scales[r]) to a min-heap of the k best. Most rows score
// below the heap's worst, so blocks of 16 are first tested all at once (vectorised; compiled for
// AVX-512, AVX2 and the baseline, picked at run time) and only a block with a candidate is walked.
__attribute__((target_clones("avx512f", "avx2", "default"))) void offer_rows(
    const int32_t* dot, const float* scales, int64_t n, int64_t row0, int64_t k, float* heap_scores,
    int64_t* heap_rows) {
  float worst = heap_scores[0];
  int64_t r = 0;
  auto offer = [&](int64_t i) {
    const float s = static_cast<float>(dot[i]) * scales[i];
    if (s > worst) {
      faiss::minheap_replace_top(k, heap_scores, heap_rows, s, row0 + i);
      worst = heap_scores[0];
    }
  };
  // GCC vector extensions: one AVX-512 register, two AVX2 or four SSE2 ones per block.
  typedef int32_t I16 __attribute__((vector_size(64)));
  typedef float F16 __attribute__((vector_size(64)));
  typedef int64_t L8 __attribute__((vector_size(64)));
  for (; r + 16 <= n; r += 16) {
    I16 d;
    F16 sc;
    std::memcpy(&d, dot + r, sizeof d);
    std::memcpy(&sc, scales + r, sizeof sc);
    const I16 above = __builtin_convertvector(d, F16) * sc > worst;
    L8 lanes;
    std::memcpy(&lanes, &above, sizeof lanes);
    if (lanes[0] | lanes[1] | lanes[2] | lanes[3] | lanes[4] | lanes[5] | lanes[6] | lanes[7])
      for (int j = 0; j < 16; ++j) offer(r + j);
  }
  for (; r < n; ++r) offer(r);
}

}  // namespace

IndexInt8Flat::IndexInt8Flat(idx_t d) : faiss::Index(d, faiss::METRIC_INNER_PRODUCT) {
  is_trained = true;
}

void IndexInt8Flat::add(idx_t n, const float* x) {
  std::vector<idx_t> fresh(n);
  for (idx_t i = 0; i < n; ++i) fresh[i] = ntotal + i;
  add_with_ids(n, x, fresh.data());
}

void IndexInt8Flat::add_with_ids(idx_t n, const float* x, const idx_t* xids) {
  codes.resize((ntotal + n) * d);
  scales.resize(ntotal + n);
#pragma omp parallel for schedule(static) if (n > 4096)
  for (idx_t i = 0; i < n; ++i)
    scales[ntotal + i] = quantize(x + i * d, d, codes.data() + (ntotal + i) * d);
  ids.insert(ids.end(), xids, xids + n);
  ntotal += n;
}

void IndexInt8Flat::search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                           const faiss::SearchParameters* params) const {
  FAISS_THROW_IF_NOT_MSG(k > 0, "k must be positive");
  FAISS_THROW_IF_NOT_MSG(!params, "Int8Flat takes no search parameters");
  const idx_t blocks = (n + kQueryBlock - 1) / kQueryBlock;
  ParallelErrors errors;  // any exception (std::bad_alloc too) may not leave an OpenMP region
#pragma omp parallel if (blocks > 1 && !omp_in_parallel())
  {
    // Per-thread buffers, allocated once (on the thread's first block) and not zeroed: fresh 1 MiB
    // vectors per block cost page faults and memsets.
    std::unique_ptr<int8_t[]> q_codes;
    std::unique_ptr<float[]> q_scales;
    std::unique_ptr<int32_t[]> dots;
#pragma omp for schedule(dynamic, 1)
    for (idx_t b = 0; b < blocks; ++b) {
      if (errors.failed()) continue;
      errors.guard([&] {
        if (!dots) {
          q_codes.reset(new int8_t[kQueryBlock * d]);
          q_scales.reset(new float[kQueryBlock]);
          dots.reset(new int32_t[kQueryBlock * kBaseBlock]);
        }
        search_block(b, n, x, k, distances, labels, q_codes.get(), q_scales.get(), dots.get());
      });
    }
  }
  errors.rethrow();
}

void IndexInt8Flat::search_block(idx_t b, idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                                 int8_t* q_codes, float* q_scales, int32_t* dots) const {
  const idx_t q0 = b * kQueryBlock, nq = std::min(kQueryBlock, n - q0);
  for (idx_t i = 0; i < nq; ++i) {
    q_scales[i] = quantize(x + (q0 + i) * d, d, q_codes + i * d);
    faiss::minheap_heapify(k, distances + (q0 + i) * k, labels + (q0 + i) * k);
  }
  for (idx_t r0 = 0; r0 < ntotal; r0 += kBaseBlock) {
    const idx_t nr = std::min(kBaseBlock, ntotal - r0);
    ops::gemm_s8s8s32_nt(nq, nr, d, q_codes, d, codes.data() + r0 * d, d, dots, nr);
    const float* row_scales = scales.data() + r0;
    // Heap values leave out the query's scale (positive, the same for every row): one multiply
    // less.
    for (idx_t i = 0; i < nq; ++i)
      offer_rows(dots + i * nr, row_scales, nr, r0, k, distances + (q0 + i) * k,
                 labels + (q0 + i) * k);
  }
  for (idx_t i = 0; i < nq; ++i) {
    float* heap_scores = distances + (q0 + i) * k;
    idx_t* heap_rows = labels + (q0 + i) * k;
    faiss::minheap_reorder(k, heap_scores, heap_rows);
    for (idx_t j = 0; j < k; ++j) {
      if (heap_rows[j] < 0) continue;  // fewer than k stored vectors
      heap_scores[j] *= q_scales[i];
      heap_rows[j] = ids[heap_rows[j]];
    }
  }
}

void IndexInt8Flat::reset() {
  codes.clear();
  scales.clear();
  ids.clear();
  ntotal = 0;
}

namespace {

__attribute__((target_clones("arch=x86-64-v4", "avx2", "default"))) int32_t dot_s8(const int8_t* a, const int8_t* b,
                                                                              int64_t d) {
  int32_t sum = 0;
  for (int64_t j = 0; j < d; ++j) sum += int32_t(a[j]) * int32_t(b[j]);
  return sum;
}

}  // namespace

void IndexInt8Flat::score_rows(const float* query, const idx_t* rows, idx_t n, float* out) const {
  std::vector<int8_t> q(d);
  const float q_scale = quantize(query, d, q.data());
  // Rows are scattered over the whole store (1.8 GB for a 1 Gb genome): fetch a few ahead so the
  // cache misses overlap.
  constexpr idx_t kAhead = 4;
  auto prefetch_row = [&](idx_t i) {
    if (i >= n || rows[i] < 0 || rows[i] >= ntotal) return;
    const int8_t* row = codes.data() + rows[i] * d;
    for (idx_t off = 0; off < d; off += 64) __builtin_prefetch(row + off);
    __builtin_prefetch(scales.data() + rows[i]);
  };
  for (idx_t i = 0; i < std::min(n, kAhead); ++i) prefetch_row(i);
  for (idx_t i = 0; i < n; ++i) {
    prefetch_row(i + kAhead);
    FAISS_THROW_IF_NOT_MSG(rows[i] >= 0 && rows[i] < ntotal, "row out of range");
    out[i] = q_scale * scales[rows[i]] * static_cast<float>(dot_s8(q.data(), codes.data() + rows[i] * d, d));
  }
}

void IndexInt8Flat::reserve(idx_t n) {
  codes.reserve(n * d);
  scales.reserve(n);
  ids.reserve(n);
}

void IndexInt8Flat::reconstruct(idx_t key, float* recons) const {
  FAISS_THROW_IF_NOT_MSG(key >= 0 && key < ntotal, "row out of range");
  for (idx_t j = 0; j < d; ++j) recons[j] = scales[key] * codes[key * d + j];
}

void IndexInt8Flat::check_compatible_for_merge(const faiss::Index& other) const {
  auto* o = dynamic_cast<const IndexInt8Flat*>(&other);
  FAISS_THROW_IF_NOT_MSG(o && o->d == d && o->metric_type == metric_type,
                         "not an Int8Flat index of the same dimension");
}

void IndexInt8Flat::merge_from(faiss::Index& other, idx_t add_id) {
  check_compatible_for_merge(other);
  auto& o = static_cast<IndexInt8Flat&>(other);
  codes.insert(codes.end(), o.codes.begin(), o.codes.end());
  scales.insert(scales.end(), o.scales.begin(), o.scales.end());
  for (idx_t id : o.ids) ids.push_back(id + add_id);
  ntotal += o.ntotal;
  o.reset();
}

void IndexInt8Flat::write(const std::string& path) const {
  std::ofstream out(path, std::ios::binary);
  const int64_t dim = d, n = ntotal;
  out.write(kMagic, sizeof kMagic);
  out.write(reinterpret_cast<const char*>(&kFileVersion), sizeof kFileVersion);
  out.write(reinterpret_cast<const char*>(&dim), sizeof dim);
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  out.write(reinterpret_cast<const char*>(codes.data()),
            static_cast<std::streamsize>(codes.size()));
  out.write(reinterpret_cast<const char*>(scales.data()),
            static_cast<std::streamsize>(scales.size() * sizeof(float)));
  out.write(reinterpret_cast<const char*>(ids.data()),
            static_cast<std::streamsize>(ids.size() * sizeof(idx_t)));
  if (!out.flush()) throw Error(path + ": write failed: " + std::strerror(errno));
  out.close();
  if (!out) throw Error(path + ": write failed: " + std::strerror(errno));
}

IndexInt8Flat* IndexInt8Flat::read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  char magic[8];
  uint32_t version = 0;
  int64_t dim = 0, n = 0;
  in.read(magic, sizeof magic);
  in.read(reinterpret_cast<char*>(&version), sizeof version);
  in.read(reinterpret_cast<char*>(&dim), sizeof dim);
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  if (!in || std::memcmp(magic, kMagic, sizeof kMagic) != 0)
    throw Error(path + ": not an Int8Flat index file");
  if (version != kFileVersion)
    throw Error(path + ": Int8Flat file version " + std::to_string(version) +
                " (this spindle reads version " + std::to_string(kFileVersion) + ")");
  if (dim <= 0 || dim > (1 << 20) || n < 0) throw Error(path + ": corrupt Int8Flat header");
  const auto bytes = static_cast<int64_t>(std::filesystem::file_size(path));
  const int64_t expected =
      kHeaderBytes + n * (dim + static_cast<int64_t>(sizeof(float) + sizeof(idx_t)));
  if (bytes != expected)
    throw Error(path + ": " + std::to_string(bytes) + " bytes, expected " +
                std::to_string(expected) + " for " + std::to_string(n) + " vectors of dimension " +
                std::to_string(dim) + " (truncated or damaged)");
  auto index = std::make_unique<IndexInt8Flat>(dim);
  index->codes.resize(n * dim);
  index->scales.resize(n);
  index->ids.resize(n);
  in.read(reinterpret_cast<char*>(index->codes.data()),
          static_cast<std::streamsize>(index->codes.size()));
  in.read(reinterpret_cast<char*>(index->scales.data()),
          static_cast<std::streamsize>(n * sizeof(float)));
  in.read(reinterpret_cast<char*>(index->ids.data()),
          static_cast<std::streamsize>(n * sizeof(idx_t)));
  if (!in) throw Error(path + ": read failed");
  index->ntotal = n;
  return index.release();
}

}  // namespace spindle::detail
