#include "genomics/candidate_finder.h"

#include <algorithm>
#include <span>

#include "genomics/minimizers.h"

namespace spindle {
namespace {

struct ReadMinimizer {
  std::span<const MinimizerOccurrence> occurrences;
  int64_t pos;
  bool reverse;
};

struct SeedHit {
  int64_t diagonal;  // global reference position of the read's first base, if the hit is right
  int strand;
};

}  // namespace

SeedStats find_candidate_windows(const RefIndex& index, std::string_view read, const CandidateOptions& options,
                                 std::vector<WindowCandidate>& out, std::vector<CandidatePlacement>* placements) {
  out.clear();
  if (placements) placements->clear();
  SeedStats stats;
  thread_local std::vector<SeedHit> hits;
  thread_local std::vector<ReadMinimizer> seeds;
  hits.clear();
  seeds.clear();
  const MinimizerIndex& minimizers = index.minimizers();
  const int k = minimizers.params().k;
  const int64_t len = static_cast<int64_t>(read.size());
  thread_local std::vector<std::pair<uint64_t, int64_t>> hashes;  // (hash, pos | reverse << 62)
  hashes.clear();
  for_each_minimizer(read, k, minimizers.params().w, [&](int64_t pos, uint64_t hash, bool reverse) {
    hashes.push_back({hash, pos | (int64_t(reverse) << 62)});
  });
  for (auto& [hash, p] : hashes) minimizers.prefetch_directory(hash);
  for (auto& [hash, p] : hashes) minimizers.prefetch_bucket(hash);
  for (auto& [hash, p] : hashes)
    seeds.push_back({minimizers.lookup(hash), p & ((int64_t(1) << 62) - 1), bool(p >> 62)});
  stats.minimizers = static_cast<int>(seeds.size());
  std::stable_sort(seeds.begin(), seeds.end(),
                   [](const ReadMinimizer& a, const ReadMinimizer& b) { return a.occurrences.size() < b.occurrences.size(); });
  for (const ReadMinimizer& seed : seeds) {
    const int64_t count = static_cast<int64_t>(seed.occurrences.size());
    if (count > options.max_occurrences || (stats.hits > 0 && stats.hits + count > options.max_hits)) {
      ++stats.masked;
      continue;
    }
    stats.hits += static_cast<int>(count);
    const int64_t pos = seed.pos;
    const bool reverse = seed.reverse;
    for (const MinimizerOccurrence& o : seed.occurrences) {
      // Same canonical orientation in read and reference: the read lies on the forward strand.
      // Otherwise its reverse complement does, where this k-mer starts at len - pos - k.
      const int strand = reverse != o.reverse() ? 1 : 0;
      const int64_t diagonal = static_cast<int64_t>(o.pos) - (strand == 0 ? pos : len - pos - k);
      hits.push_back({diagonal, strand});
    }
  }
  if (hits.empty()) return stats;
  std::sort(hits.begin(), hits.end(),
            [](const SeedHit& a, const SeedHit& b) { return a.strand != b.strand ? a.strand < b.strand : a.diagonal < b.diagonal; });

  const PackedReference& ref = index.reference();
  const WindowLayout& windows = index.windows();
  auto add_group = [&](size_t first, size_t last) {
    const SeedHit& mid = hits[first + (last - first) / 2];
    const int votes = static_cast<int>(last - first);
    const int64_t centre = std::clamp<int64_t>(mid.diagonal + len / 2, 0, ref.total_length() - 1);
    const int32_t contig = ref.contig_at(centre);
    const int64_t local = mid.diagonal - ref.contigs()[contig].offset;
    if (placements && votes >= 2) placements->push_back({contig, local, mid.strand, votes});
    const int64_t window = windows.window_at(contig, local);
    out.push_back({window, votes, mid.strand});
    // A read running past its window's end (longer than the stride) also reaches into the next.
    if (window + 1 < windows.count() && local + len > windows.window(window).end &&
        windows.window(window + 1).contig == contig)
      out.push_back({window + 1, votes, mid.strand});
  };
  size_t first = 0;
  for (size_t i = 1; i <= hits.size(); ++i)
    if (i == hits.size() || hits[i].strand != hits[i - 1].strand ||
        hits[i].diagonal - hits[i - 1].diagonal > options.diagonal_gap) {
      add_group(first, i);
      first = i;
    }

  if (placements) {
    std::stable_sort(placements->begin(), placements->end(),
                     [](const CandidatePlacement& a, const CandidatePlacement& b) { return a.votes > b.votes; });
    if (placements->size() > 8) placements->resize(8);
  }
  // One entry per (window, strand), with the best group's votes.
  std::sort(out.begin(), out.end(), [](const WindowCandidate& a, const WindowCandidate& b) {
    if (a.window != b.window) return a.window < b.window;
    if (a.strand != b.strand) return a.strand < b.strand;
    return a.votes > b.votes;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const WindowCandidate& a, const WindowCandidate& b) {
                          return a.window == b.window && a.strand == b.strand;
                        }),
            out.end());
  std::sort(out.begin(), out.end(), [](const WindowCandidate& a, const WindowCandidate& b) {
    return a.votes != b.votes ? a.votes > b.votes : a.window < b.window;
  });
  if (static_cast<int>(out.size()) > options.max_windows) out.resize(options.max_windows);
  return stats;
}

}  // namespace spindle
