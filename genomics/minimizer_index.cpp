#include "genomics/minimizer_index.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "base/error.h"
#include "base/file_checksum.h"
#include "base/output_file.h"
#include "genomics/minimizers.h"

namespace spindle {
namespace {

constexpr char kMagic[8] = {'S', 'P', 'N', 'D', 'L', 'M', 'Z', 'I'};
constexpr uint32_t kFileVersion = 1;
constexpr int64_t kChunkBp = 1 << 20;

// A piece of one contig whose minimizers one thread computes. Each chunk decodes w + k bases on
// both sides as well, so the windows that reach across its ends are complete and the chunked
// result equals a single pass over the contig.
struct Chunk {
  int32_t contig;
  int64_t begin, end;
};

std::vector<Chunk> make_chunks(const PackedReference& ref) {
  std::vector<Chunk> chunks;
  for (size_t c = 0; c < ref.contigs().size(); ++c)
    for (int64_t b = 0; b < ref.contigs()[c].length; b += kChunkBp)
      chunks.push_back({static_cast<int32_t>(c), b, std::min(ref.contigs()[c].length, b + kChunkBp)});
  return chunks;
}

template <typename F>
void for_each_reference_minimizer(const PackedReference& ref, const std::vector<Chunk>& chunks,
                                  const MinimizerParams& p, F&& f) {
#pragma omp parallel
  {
    std::string text;
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < chunks.size(); ++i) {
      const Chunk& ch = chunks[i];
      const int64_t from = std::max<int64_t>(0, ch.begin - p.w - p.k);
      const int64_t to = std::min(ref.contigs()[ch.contig].length, ch.end + p.w + p.k);
      ref.fetch(ch.contig, from, to, text);
      const int64_t offset = ref.contigs()[ch.contig].offset + from;
      for_each_minimizer(text, p.k, p.w, [&](int64_t pos, uint64_t hash, bool reverse) {
        if (from + pos >= ch.begin && from + pos < ch.end) f(static_cast<uint32_t>(offset + pos), hash, reverse);
      });
    }
  }
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

MinimizerIndex MinimizerIndex::build(const PackedReference& ref, MinimizerParams params,
                                     void (*progress)(const std::string&)) {
  if (params.k < 8 || params.k > 32 || params.w < 1 || params.w > 32)
    throw Error("minimizer index: need 8 <= k <= 32 and 1 <= w <= 32 (got k " + std::to_string(params.k) +
                ", w " + std::to_string(params.w) + ")");
  if (ref.total_length() >= (int64_t(1) << 32))
    throw Error("reference of " + std::to_string(ref.total_length()) +
                " bp: the minimizer index holds 32-bit positions (references under 4 Gbp)");
  MinimizerIndex index;
  index.params_ = params;
  // About four occurrences per bucket: the directory costs 1 byte per occurrence and a look-up
  // still touches a single cache line for a unique minimizer.
  const double expected = 2.0 * double(ref.acgt_bases()) / (params.w + 1);
  index.bucket_bits_ = std::clamp(static_cast<int>(std::ceil(std::log2(std::max(1.0, expected / 4)))), 8, 31);
  const uint64_t buckets = uint64_t(1) << index.bucket_bits_;
  const std::vector<Chunk> chunks = make_chunks(ref);

  // Pass 1 counts the occurrences of every bucket; pass 2 recomputes the minimizers and drops each
  // into its slot. Recomputing costs a few seconds per Gb and saves holding a 12-16 byte record
  // per occurrence next to the final 8-byte one.
  std::vector<uint32_t> count(buckets + 1, 0);
  for_each_reference_minimizer(ref, chunks, params, [&](uint32_t, uint64_t hash, bool) {
    std::atomic_ref<uint32_t>(count[index.bucket_of(hash)]).fetch_add(1, std::memory_order_relaxed);
  });
  index.bucket_start_.assign(buckets + 1, 0);
  uint64_t total = 0;
  for (uint64_t b = 0; b < buckets; ++b) {
    index.bucket_start_[b] = static_cast<uint32_t>(total);
    total += count[b];
  }
  index.bucket_start_[buckets] = static_cast<uint32_t>(total);
  if (progress) progress("minimizers: " + std::to_string(total) + " occurrences in " + std::to_string(buckets) + " buckets");
  index.occurrences_.resize(total);
  std::copy(index.bucket_start_.begin(), index.bucket_start_.end(), count.begin());  // next free slot
  for_each_reference_minimizer(ref, chunks, params, [&](uint32_t pos, uint64_t hash, bool reverse) {
    const uint32_t slot =
        std::atomic_ref<uint32_t>(count[index.bucket_of(hash)]).fetch_add(1, std::memory_order_relaxed);
    index.occurrences_[slot] = {pos, (index.check_of(hash) << 1) | (reverse ? 1u : 0u)};
  });
  count.clear();
  count.shrink_to_fit();
  // Threads filled the buckets in any order: sort each by (check, position), which makes the file
  // deterministic and each minimizer's occurrences one run in position order.
#pragma omp parallel for schedule(dynamic, 4096)
  for (int64_t b = 0; b < static_cast<int64_t>(buckets); ++b) {
    auto first = index.occurrences_.begin() + index.bucket_start_[b];
    auto last = index.occurrences_.begin() + index.bucket_start_[b + 1];
    std::sort(first, last, [](const MinimizerOccurrence& x, const MinimizerOccurrence& y) {
      return (x.tag >> 1) != (y.tag >> 1) ? (x.tag >> 1) < (y.tag >> 1) : x.pos < y.pos;
    });
  }
  return index;
}

std::span<const MinimizerOccurrence> MinimizerIndex::lookup(uint64_t hash) const {
  const uint64_t b = bucket_of(hash);
  const MinimizerOccurrence* first = occurrences_.data() + bucket_start_[b];
  const MinimizerOccurrence* last = occurrences_.data() + bucket_start_[b + 1];
  const uint32_t check = check_of(hash);
  auto below = [](const MinimizerOccurrence& o, uint32_t c) { return (o.tag >> 1) < c; };
  auto above = [](uint32_t c, const MinimizerOccurrence& o) { return c < (o.tag >> 1); };
  const MinimizerOccurrence* lo = std::lower_bound(first, last, check, below);
  const MinimizerOccurrence* hi = std::upper_bound(lo, last, check, above);
  return {lo, hi};
}

size_t MinimizerIndex::memory_bytes() const {
  return bucket_start_.size() * sizeof(uint32_t) + occurrences_.size() * sizeof(MinimizerOccurrence);
}

std::string MinimizerIndex::save(const std::string& path) const {
  OutputFile out(path);
  RunningChecksum checksum;
  auto put = [&](const void* p, size_t n) {
    out.write(p, n);
    checksum.update(p, n);
  };
  const uint32_t header[4] = {kFileVersion, static_cast<uint32_t>(params_.k), static_cast<uint32_t>(params_.w),
                              static_cast<uint32_t>(bucket_bits_)};
  const uint64_t n = occurrences_.size();
  put(kMagic, 8);
  put(header, sizeof header);
  put(&n, 8);
  put(bucket_start_.data(), bucket_start_.size() * sizeof(uint32_t));
  put(occurrences_.data(), occurrences_.size() * sizeof(MinimizerOccurrence));
  out.commit();
  return checksum.text();
}

MinimizerIndex MinimizerIndex::load(const std::string& path, const std::string& expected_checksum) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error(path + ": cannot open minimizer index");
  RunningChecksum checksum;
  auto read = [&](void* p, size_t bytes) {
    if (bytes && std::fread(p, 1, bytes, f.get()) != bytes) throw Error(path + ": truncated minimizer index");
    checksum.update(p, bytes);
  };
  char magic[8];
  uint32_t header[4];
  uint64_t n = 0;
  read(magic, 8);
  if (std::memcmp(magic, kMagic, 8) != 0) throw Error(path + ": not a spindle minimizer index (bad magic)");
  read(header, sizeof header);
  if (header[0] != kFileVersion)
    throw Error(path + ": minimizer index version " + std::to_string(header[0]) + ", this spindle reads " +
                std::to_string(kFileVersion));
  read(&n, 8);
  MinimizerIndex index;
  index.params_ = {static_cast<int>(header[1]), static_cast<int>(header[2])};
  index.bucket_bits_ = static_cast<int>(header[3]);
  if (index.params_.k < 8 || index.params_.k > 32 || index.params_.w < 1 || index.params_.w > 32 ||
      index.bucket_bits_ < 8 || index.bucket_bits_ > 31 || n >= (uint64_t(1) << 32))
    throw Error(path + ": corrupt minimizer index header");
  const uint64_t buckets = uint64_t(1) << index.bucket_bits_;
  index.bucket_start_.resize(buckets + 1);
  read(index.bucket_start_.data(), index.bucket_start_.size() * sizeof(uint32_t));
  // The directory's end must match the count before `n` occurrences are allocated.
  if (index.bucket_start_[0] != 0 || index.bucket_start_[buckets] != n)
    throw Error(path + ": corrupt minimizer index directory");
  index.occurrences_.resize(n);
  read(index.occurrences_.data(), n * sizeof(MinimizerOccurrence));
  char extra;
  if (std::fread(&extra, 1, 1, f.get()) != 0) throw Error(path + ": trailing bytes after the minimizer index");
  if (!expected_checksum.empty() && checksum.text() != expected_checksum)
    throw Error(path + ": checksum differs from the manifest (index damaged): rebuild it with `spindle index ref`");
  for (uint64_t b = 0; b < buckets; ++b)
    if (index.bucket_start_[b] > index.bucket_start_[b + 1]) throw Error(path + ": corrupt minimizer index directory");
  return index;
}

}  // namespace spindle
