#include "genomics/long_read_aligner.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "genomics/banded_align.h"
#include "genomics/minimizers.h"
#include "models/sequence.h"

namespace spindle {
namespace {

constexpr uint32_t kMatch = 0, kSoftClip = 4;

void append_ops(std::vector<uint32_t>& cigar, const std::vector<uint32_t>& ops) {
  for (uint32_t op : ops) {
    if (op >> 4 == 0) continue;
    if (!cigar.empty() && (cigar.back() & 0xf) == (op & 0xf)) cigar.back() += op & ~0xfu;
    else cigar.push_back(op);
  }
}

std::vector<uint32_t> reversed_ops(std::vector<uint32_t> ops) {
  std::reverse(ops.begin(), ops.end());
  return ops;
}

// One aligned chain, ready to become a SAM record.
struct Aligned {
  bool ok = false;
  int strand = 0;
  int32_t contig = 0;
  int64_t pos = 0;  // on the contig, 0-based
  DpAlignment aln;
  int mapq = 0;
  int anchors = 0;
  int chain_score = 0;
};

// Forward-read interval of a chain (strand-1 chains count from the read's other end).
std::pair<int, int> forward_interval(const Chain& c, int read_len) {
  if (c.strand == 0) return {c.query_begin, c.query_end};
  return {read_len - c.query_end, read_len - c.query_begin};
}

double overlap_fraction(std::pair<int, int> a, std::pair<int, int> b) {
  const int overlap = std::min(a.second, b.second) - std::max(a.first, b.first);
  const int shorter = std::min(a.second - a.first, b.second - b.first);
  return shorter > 0 ? std::max(0, overlap) / double(shorter) : 0.0;
}

// minimap2's MAPQ: 40 (1 - f2/f1) min(1, anchors/10) ln(f1), capped at 60.
int chain_mapq(int f1, int f2, int anchors) {
  if (f1 <= 0) return 0;
  const double q = 40.0 * (1.0 - double(std::max(0, f2)) / f1) * std::min(1.0, anchors / 10.0) * std::log(double(f1));
  return std::clamp(static_cast<int>(q + 0.499), 0, 60);
}

}  // namespace

LongReadOptions long_read_preset(const std::string& name) {
  LongReadOptions o;
  if (name == "map-pb" || name == "map-ont") return o;
  if (name == "map-hifi") {
    // Accurate reads: fewer indels between anchors, narrower bands, minimap2's HiFi scores.
    o.chain.bandwidth = 200;
    o.gap_band = 12;
    o.extension_band = 32;
    o.scoring = {1, 4, 6, 2, 1, 0};
    return o;
  }
  throw UsageError("unknown preset '" + name + "' (use sr, map-ont, map-pb or map-hifi)");
}

LongReadAligner::LongReadAligner(const RefIndex& index, LongReadOptions options) : index_(index), options_(options) {
  options_.chain.k = index.minimizers().params().k;
}

void LongReadAligner::align(const SeqRecord& read, std::vector<SamRecord>& out) const {
  const MinimizerIndex& minimizers = index_.minimizers();
  const PackedReference& ref = index_.reference();
  const int k = minimizers.params().k;
  const int len = static_cast<int>(read.seq.size());

  struct Seed {
    uint64_t hash;
    int64_t pos;
    bool reverse;
  };
  std::vector<Seed> seeds;
  for_each_minimizer(read.seq, k, minimizers.params().w,
                     [&](int64_t pos, uint64_t hash, bool reverse) { seeds.push_back({hash, pos, reverse}); });
  // Look-ups in blocks whose cache misses overlap (minimizer_index.h).
  std::vector<Anchor> anchors;
  constexpr size_t kBlock = 32;
  for (size_t first = 0; first < seeds.size(); first += kBlock) {
    const size_t last = std::min(seeds.size(), first + kBlock);
    for (size_t i = first; i < last; ++i) minimizers.prefetch_directory(seeds[i].hash);
    for (size_t i = first; i < last; ++i) minimizers.prefetch_bucket(seeds[i].hash);
    for (size_t i = first; i < last; ++i) {
      const auto occurrences = minimizers.lookup(seeds[i].hash);
      if (static_cast<int64_t>(occurrences.size()) > options_.max_occurrences) continue;
      for (const MinimizerOccurrence& o : occurrences) {
        const int strand = seeds[i].reverse != o.reverse() ? 1 : 0;
        const int32_t query = static_cast<int32_t>(strand == 0 ? seeds[i].pos : len - seeds[i].pos - k);
        anchors.push_back({int64_t(o.pos), query, strand, ref.contig_at(o.pos)});
      }
    }
  }
  std::vector<Chain> chains = chain_anchors(anchors, options_.chain);

  SamRecord unmapped;
  unmapped.name = read.name;
  unmapped.seq = &read.seq;
  unmapped.qual = &read.qual;
  unmapped.flag = 0x4;
  if (chains.empty()) {
    out.push_back(unmapped);
    return;
  }

  // The primary, the chains that compete with it, and the parts of the read elsewhere.
  const Chain& primary = chains[0];
  const auto primary_span = forward_interval(primary, len);
  int best_competitor = 0;
  std::vector<const Chain*> parts = {&primary};
  for (size_t c = 1; c < chains.size(); ++c) {
    const auto span = forward_interval(chains[c], len);
    if (overlap_fraction(span, primary_span) > options_.max_overlap) {
      best_competitor = std::max(best_competitor, chains[c].score);
      continue;
    }
    if (chains[c].score < options_.min_supplementary_fraction * primary.score ||
        chains[c].score < options_.min_supplementary_score || span.second - span.first < options_.min_supplementary_bp)
      continue;
    if (static_cast<int>(parts.size()) > options_.max_supplementary) continue;
    bool overlaps_part = false;
    for (const Chain* p : parts) overlaps_part |= overlap_fraction(span, forward_interval(*p, len)) > options_.max_overlap;
    if (!overlaps_part) parts.push_back(&chains[c]);
  }

  const std::string rc = reverse_complement(read.seq);
  std::vector<Aligned> aligned;
  std::string target, piece_read, piece_ref;
  for (const Chain* chain : parts) {
    const std::string& seq = chain->strand == 0 ? read.seq : rc;
    const PackedContig& contig = ref.contigs()[chain->contig];
    const int64_t first_q = chain->anchors.front().query;
    const int64_t first_r = chain->anchors.front().ref - contig.offset;
    const int64_t last_q = chain->anchors.back().query + k;
    const int64_t last_r = chain->anchors.back().ref - contig.offset + k;
    // Reference text from before the left extension to after the right one.
    const int64_t left_read = std::min<int64_t>(first_q, options_.extension_max);
    const int64_t right_read = std::min<int64_t>(len - last_q, options_.extension_max);
    const int64_t span_begin = std::max<int64_t>(0, first_r - left_read - left_read / 8 - 32);
    const int64_t span_end = std::min<int64_t>(contig.length, last_r + right_read + right_read / 8 + 32);
    ref.fetch(chain->contig, span_begin, span_end, target);
    auto ref_at = [&](int64_t local) { return local - span_begin; };

    // Left end: extend leftwards from the first anchor (both sides reversed).
    piece_read.assign(seq.rbegin() + (len - first_q), seq.rbegin() + (len - first_q + left_read));
    piece_ref.assign(target.rbegin() + (target.size() - ref_at(first_r)), target.rend());
    BandedResult left = banded_extend(piece_read, piece_ref, options_.scoring, options_.extension_band);
    std::vector<uint32_t> body = reversed_ops(left.cigar);
    const int64_t aln_read_begin = first_q - left.read_used;
    const int64_t aln_ref_begin = first_r - left.target_used;

    // Anchors and the gaps between them.
    int64_t qc = first_q, rc_pos = first_r;
    for (const Anchor& a : chain->anchors) {
      const int64_t q = a.query, r = a.ref - contig.offset;
      if (q < qc || r < rc_pos) continue;  // overlaps the previous anchor: already aligned through
      BandedResult gap = banded_global(std::string_view(seq).substr(qc, q - qc),
                                       std::string_view(target).substr(ref_at(rc_pos), r - rc_pos), options_.scoring,
                                       options_.gap_band);
      append_ops(body, gap.cigar);
      append_ops(body, {(static_cast<uint32_t>(k) << 4) | kMatch});
      qc = q + k;
      rc_pos = r + k;
    }
    // Right end: extend from the last anchor.
    BandedResult right = banded_extend(std::string_view(seq).substr(qc, std::min<int64_t>(len - qc, options_.extension_max)),
                                       std::string_view(target).substr(ref_at(rc_pos)), options_.scoring,
                                       options_.extension_band);
    append_ops(body, right.cigar);
    const int64_t aln_read_end = qc + right.read_used;

    Aligned x;
    x.ok = true;
    x.strand = chain->strand;
    x.contig = chain->contig;
    x.pos = aln_ref_begin;
    x.anchors = static_cast<int>(chain->anchors.size());
    x.chain_score = chain->score;
    std::vector<uint32_t> cigar;
    if (aln_read_begin > 0) cigar.push_back((static_cast<uint32_t>(aln_read_begin) << 4) | kSoftClip);
    append_ops(cigar, body);
    if (aln_read_end < len) cigar.push_back((static_cast<uint32_t>(len - aln_read_end) << 4) | kSoftClip);
    x.aln.cigar = std::move(cigar);
    x.aln.target_begin = static_cast<int>(ref_at(aln_ref_begin));
    fill_alignment_tags(seq, target, options_.scoring, x.aln);
    aligned.push_back(std::move(x));
  }

  // MAPQ: each part against the chains competing for its stretch of the read; a supplementary
  // part can be no surer than the primary.
  aligned[0].mapq = chain_mapq(primary.score, best_competitor, aligned[0].anchors);
  for (size_t i = 1; i < aligned.size(); ++i) {
    const auto span = forward_interval(*parts[i], len);
    int competitor = 0;
    for (const Chain& c : chains)
      if (&c != parts[i] && overlap_fraction(forward_interval(c, len), span) > options_.max_overlap)
        competitor = std::max(competitor, c.score);
    aligned[i].mapq = std::min(aligned[0].mapq, chain_mapq(aligned[i].chain_score, competitor, aligned[i].anchors));
  }

  auto sa_entry = [&](const Aligned& a) {
    return ref.contigs()[a.contig].name + "," + std::to_string(a.pos + 1) + "," + (a.strand ? "-" : "+") + "," +
           cigar_string(a.aln.cigar) + "," + std::to_string(a.mapq) + "," + std::to_string(a.aln.edit_distance) + ";";
  };
  for (size_t i = 0; i < aligned.size(); ++i) {
    const Aligned& a = aligned[i];
    SamRecord r;
    r.name = read.name;
    r.seq = &read.seq;
    r.qual = &read.qual;
    r.flag = static_cast<uint16_t>((a.strand ? 0x10 : 0) | (i > 0 ? 0x800 : 0));
    r.tid = a.contig;
    r.pos = a.pos;
    r.mapq = static_cast<uint8_t>(a.mapq);
    r.cigar = a.aln.cigar;
    r.nm = a.aln.edit_distance;
    r.md = a.aln.md;
    r.as = std::max(0, a.aln.score);
    for (size_t j = 0; j < aligned.size(); ++j)
      if (j != i) r.sa += sa_entry(aligned[j]);
    out.push_back(std::move(r));
  }
}

}  // namespace spindle
