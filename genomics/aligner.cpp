#include "genomics/aligner.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "base/error.h"
#include "kernels/parallel_for.h"
#include "models/sequence.h"

namespace spindle {
namespace {

constexpr uint32_t kSoftClip = 4;

int aligned_read_length(const std::vector<uint32_t>& cigar, int read_len) {
  int clipped = 0;
  for (uint32_t c : cigar)
    if ((c & 0xf) == kSoftClip) clipped += c >> 4;
  return read_len - clipped;
}

// Where a read is finally placed.
struct Placement {
  bool mapped = false;
  int32_t tid = -1;
  int64_t pos = -1, end = -1;  // [pos, end) on the reference
  bool reverse = false;
  DpAlignment aln;
  int mapq = 0;
  int xs = -1;
};

}  // namespace

int mapping_quality(int best, int second, int aligned_len, const DpScoring& scoring, int min_score) {
  if (best < min_score) return 0;
  // bwa mem_approx_mapq_se: without a second hit, compare with what a minimal seed would score.
  int sub = second > 0 ? second : 19 * scoring.match;
  if (sub >= best) return 0;
  double l = std::max(1, aligned_len);
  double identity = 1.0 - (l * scoring.match - best) / double(scoring.match + scoring.mismatch) / l;
  identity = std::clamp(identity, 0.0, 1.0);
  double tmp = l < 50 ? 1.0 : std::log(50.0) / std::log(l);
  tmp *= identity * identity;
  int q = static_cast<int>(6.02 * (best - sub) / scoring.match * tmp * tmp + 0.499);
  return std::clamp(q, 0, 60);
}

InsertModel estimate_insert_model(std::vector<int64_t> lengths) {
  InsertModel m;
  if (lengths.size() < 20) return m;
  std::sort(lengths.begin(), lengths.end());
  auto pct = [&](double p) { return lengths[static_cast<size_t>(p * (lengths.size() - 1))]; };
  int64_t p25 = pct(0.25), p75 = pct(0.75), iqr = p75 - p25;
  // Outliers (chimeras, repeats) outside p25 - 3 IQR .. p75 + 3 IQR do not enter mean and sd.
  int64_t lo = std::max<int64_t>(1, p25 - 3 * iqr), hi = p75 + 3 * iqr;
  double sum = 0, sum2 = 0;
  int64_t n = 0;
  for (int64_t v : lengths)
    if (v >= lo && v <= hi) {
      sum += v;
      sum2 += double(v) * v;
      ++n;
    }
  if (n < 20) return m;
  m.known = true;
  m.pairs = n;
  m.mean = sum / n;
  m.sd = std::sqrt(std::max(0.0, sum2 / n - m.mean * m.mean));
  m.low = std::max<int64_t>(1, static_cast<int64_t>(m.mean - 4 * m.sd - 0.5));
  m.high = static_cast<int64_t>(m.mean + 4 * m.sd + 0.5);
  m.low = std::min(m.low, lo);
  m.high = std::max(m.high, hi);
  return m;
}

struct Aligner::Impl {
  std::vector<std::unique_ptr<DpAligner>> dp;  // one per OpenMP thread
  DpAligner& thread_dp() { return *dp[omp_get_thread_num()]; }
  // Per-thread time accounts (padded against false sharing), summed by stats().
  struct alignas(64) Clock {
    double candidate_s = 0, dp_s = 0;
  };
  std::vector<Clock> clocks;
  Clock& thread_clock() { return clocks[omp_get_thread_num()]; }
  uint64_t reads = 0, retried = 0, exhaustive = 0;
};

namespace {
double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

Aligner::Aligner(const RefIndex& index, AlignerOptions options)
    : impl_(std::make_unique<Impl>()), index_(index), options_(options) {
  int threads = std::max(1, omp_get_max_threads());
  for (int t = 0; t < threads; ++t) impl_->dp.push_back(std::make_unique<DpAligner>(options_.scoring));
  impl_->clocks.resize(threads);
  if (options_.max_insert > 0) {
    insert_.known = true;
    insert_.low = std::max<int64_t>(1, options_.min_insert);
    insert_.high = options_.max_insert;
    insert_.mean = 0.5 * double(insert_.low + insert_.high);
  }
}

Aligner::~Aligner() = default;

Aligner::Stats Aligner::stats() const {
  Stats s;
  for (auto& c : impl_->clocks) {
    s.candidate_cpu_s += c.candidate_s;
    s.dp_cpu_s += c.dp_s;
  }
  s.reads = impl_->reads;
  s.retried = impl_->retried;
  s.exhaustive = impl_->exhaustive;
  return s;
}

namespace {

struct CandidateWindow {
  int32_t contig;
  int64_t start, end;
  int strand_hint;  // -1: both strands (strand-invariant encoder)
};

// The reference text of [begin, end) on `contig`, decoded from the packed reference into a
// per-thread buffer (valid until the next call on this thread with the same `slot`).
std::string_view region_view(const RefIndex& index, int32_t contig, int64_t begin, int64_t end, int slot = 0) {
  thread_local std::string buffers[2];
  return index.reference().fetch(contig, begin, end, buffers[slot]);
}

// Hits this close (leftmost positions, same strand) are one placement found twice: the same
// alignment from two regions, or shifted by its indels. Further apart they are distinct
// placements, such as the copies of a tandem repeat, and the second one's score is the XS that
// keeps MAPQ low.
constexpr int64_t kSamePlacementBp = 16;

void add_hit_dedup(std::vector<ReadHit>& hits, const ReadHit& h, int read_len) {
  for (auto& k : hits)
    if (k.contig == h.contig && k.strand == h.strand && std::llabs(k.approx_pos - h.approx_pos) <= kSamePlacementBp) {
      if (h.dp.score > k.dp.score) k = h;
      return;
    }
  hits.push_back(h);
}

constexpr int kNoDiagonal = std::numeric_limits<int>::min();

// Aligns the read (set in `dp`) to one reference region on the allowed strands (strand_hint -1:
// both) and adds hits scoring at least `min_score`. 12-mer diagonal votes pick the strand; a read
// whose seeds agree on one diagonal and that aligns there ungapped with at most a few mismatches
// needs no full DP, which is the common case for Illumina reads.
void align_region(DpAligner& dp, const RefIndex& index, int32_t contig, int64_t begin, int64_t end, int strand_hint,
                  int read_len, int min_score, std::vector<ReadHit>& hits) {
  std::string_view target = region_view(index, contig, begin, end);
  DiagonalVotes votes = dp.diagonal_votes(target);
  // Not one 12-mer in common: a region the vector search returned as noise. (At 10% divergence a
  // 150 bp read still shares about 40 12-mers with its true place.)
  if (votes.votes[0] + votes.votes[1] == 0) return;
  for (int strand = 0; strand < 2; ++strand) {
    if (strand_hint >= 0 && strand != strand_hint) continue;
    // Seeds that all lie on the other strand: this strand cannot hold a good alignment.
    if (votes.votes[strand] * 4 < votes.votes[1 - strand]) continue;
    auto hit_near = [&](int diagonal, int64_t sub_begin, int64_t sub_end) {
      ReadHit h;
      h.contig = contig;
      h.region_begin = sub_begin;
      h.region_end = sub_end;
      h.strand = strand;
      std::string_view sub = target.substr(sub_begin - begin, sub_end - sub_begin);
      bool done = false;
      if (diagonal != kNoDiagonal) {
        DpHit u = dp.ungapped_hit(strand, sub, static_cast<int>(diagonal - (sub_begin - begin)));
        // Accept the ungapped alignment when it covers the read up to a few end bases; longer
        // clips hint at an indel near the end, which the full DP aligns through.
        if (u.score >= read_len * dp.scoring().match - 20 && u.read_begin <= 5 && u.read_end >= read_len - 6) {
          h.dp = u;
          done = true;
        }
      }
      if (!done) h.dp = dp.score(strand, sub);
      h.approx_pos = sub_begin + h.dp.target_end - h.dp.read_end;
      if (h.dp.score >= min_score) add_hit_dedup(hits, h, read_len);
    };
    hit_near(votes.votes[strand] >= 3 ? votes.diagonal[strand] : kNoDiagonal, begin, end);
    // A second, distinct diagonal with real support is a tandem copy inside the region: align
    // it too, in a sub-region around it, so that the repeat shows up as XS and lowers MAPQ.
    if (votes.second_votes[strand] >= 3 && votes.second_votes[strand] * 3 >= votes.votes[strand]) {
      int64_t d = begin + votes.second_diagonal[strand];
      int64_t sb = std::max(begin, d - 32), se = std::min(end, d + read_len + 32);
      if (se - sb > read_len / 2) hit_near(static_cast<int>(votes.second_diagonal[strand]), sb, se);
    }
  }
}

}  // namespace

namespace {

// A window chosen for DP, with its embedding similarity to the read.
struct ScoredWindow {
  int64_t id;  // vector id: window id, + n_windows for a reverse strand vector
  float cosine;
};

}  // namespace

std::vector<std::vector<ReadHit>> Aligner::candidate_hits(const std::vector<const SeqRecord*>& reads) {
  const int64_t n = static_cast<int64_t>(reads.size());
  std::vector<std::vector<ReadHit>> all(n);
  if (n == 0) return all;
  const double t_embed = now_s();
  const Encoder& enc = index_.encoder();
  const int dim = enc.dim();
  std::vector<float> queries(static_cast<size_t>(n) * dim);
  {
    std::vector<std::string_view> seqs;
    seqs.reserve(n);
    for (auto* r : reads) seqs.emplace_back(r->seq);
    enc.encode(seqs, queries.data());
  }
  // Embedding runs on all threads: charge it to every thread's candidate clock.
  const double embed_s = now_s() - t_embed;
  for (auto& c : impl_->clocks) c.candidate_s += embed_s;
  impl_->reads += n;
  const VectorStore& store = index_.store();
  const WindowLayout& windows = index_.windows();
  const int64_t n_windows = windows.count();
  const bool invariant = enc.strand_invariant();

  // Aligns read i to `chosen` windows (best cosine first): windows below `ratio` of the best
  // cosine are noise; overlapping windows form one region, aligned once.
  auto align_windows = [&](int64_t i, const std::vector<ScoredWindow>& chosen, float ratio) {
    const std::string& seq = reads[i]->seq;
    const int read_len = static_cast<int>(seq.size());
    if (chosen.empty() || !(chosen[0].cosine > 0.02f)) return;  // nothing embeddable (all N, too short)
    const float best_cos = chosen[0].cosine;
    std::vector<CandidateWindow> cands;
    for (const ScoredWindow& c : chosen) {
      if (c.cosine < ratio * best_cos) continue;
      const Window w = windows.window(c.id % n_windows);
      cands.push_back({w.contig, w.start, w.end, invariant ? -1 : static_cast<int>(c.id / n_windows)});
    }
    std::sort(cands.begin(), cands.end(), [](auto& a, auto& b) {
      return std::tie(a.contig, a.strand_hint, a.start) < std::tie(b.contig, b.strand_hint, b.start);
    });
    DpAligner& dp = impl_->thread_dp();
    dp.set_read(seq, reverse_complement(seq));
    const int64_t flank = read_len + 16;
    std::vector<ReadHit>& hits = all[i];
    for (size_t c = 0; c < cands.size();) {
      CandidateWindow region = cands[c++];
      while (c < cands.size() && cands[c].contig == region.contig && cands[c].strand_hint == region.strand_hint &&
             cands[c].start <= region.end) {
        region.end = std::max(region.end, cands[c].end);
        ++c;
      }
      const int64_t contig_len = index_.reference().contig_length(region.contig);
      int64_t begin = std::max<int64_t>(0, region.start - flank), end = std::min(contig_len, region.end + flank);
      align_region(dp, index_, region.contig, begin, end, region.strand_hint, read_len, options_.min_score, hits);
    }
    std::sort(hits.begin(), hits.end(), [](auto& a, auto& b) { return a.dp.score > b.dp.score; });
  };

  // Row `row` of an exhaustive search result as chosen windows.
  auto from_search = [](const SearchResult& result, int64_t row) {
    std::vector<ScoredWindow> chosen;
    for (int64_t r = 0; r < result.k; ++r)
      if (result.id(row, r) >= 0) chosen.push_back({result.id(row, r), result.score(row, r)});
    return chosen;
  };

  // Sparse stage for read i: minimizer look-ups name windows, the vector store scores them
  // against the read, the `keep` best by cosine go on.
  // Sparse stage for read i: minimizer look-ups name windows, the vector store scores them
  // against the read, the `keep` best by cosine go on. `first_pass` records the read's seed
  // statistics and chosen windows; later passes skip windows the first pass already aligned.
  std::vector<SeedStats> seeds(n);
  std::vector<std::vector<int64_t>> aligned_ids(n);
  std::vector<std::vector<CandidatePlacement>> placements(n);
  auto sparse_windows = [&](int64_t i, const CandidateOptions& copt, int64_t keep, bool first_pass) {
    thread_local std::vector<WindowCandidate> found;
    SeedStats stats = find_candidate_windows(index_, reads[i]->seq, copt, found, &placements[i]);
    if (first_pass) seeds[i] = stats;
    std::vector<int64_t> ids;
    ids.reserve(found.size());
    for (auto& c : found) {
      const int64_t id = c.window + (invariant ? 0 : c.strand * n_windows);
      if (first_pass || std::find(aligned_ids[i].begin(), aligned_ids[i].end(), id) == aligned_ids[i].end())
        ids.push_back(id);
    }
    std::vector<float> cosines(ids.size());
    store.score_ids(&queries[i * dim], ids.data(), static_cast<int64_t>(ids.size()), cosines.data());
    std::vector<ScoredWindow> chosen(ids.size());
    for (size_t j = 0; j < ids.size(); ++j) chosen[j] = {ids[j], cosines[j]};
    std::stable_sort(chosen.begin(), chosen.end(), [](auto& a, auto& b) { return a.cosine > b.cosine; });
    if (static_cast<int64_t>(chosen.size()) > keep) chosen.resize(keep);
    if (first_pass)
      for (auto& c : chosen) aligned_ids[i].push_back(c.id);
    return chosen;
  };

  // Strong diagonal groups of the sparse stage that no hit covers yet are placements of their
  // own (a tandem copy inside one window, another copy of a repeat): each is aligned in a small
  // region around it, so that it can become the XS that lowers MAPQ.
  auto align_placements = [&](int64_t i) {
    const auto& groups = placements[i];
    if (groups.empty()) return;
    const std::string& seq = reads[i]->seq;
    const int read_len = static_cast<int>(seq.size());
    DpAligner& dp = impl_->thread_dp();
    dp.set_read(seq, reverse_complement(seq));
    std::vector<ReadHit>& hits = all[i];
    const size_t before = hits.size();
    for (const CandidatePlacement& p : groups) {
      if (2 * p.votes < groups[0].votes) break;
      const bool covered = std::any_of(hits.begin(), hits.end(), [&](const ReadHit& h) {
        return h.contig == p.contig && h.strand == p.strand && std::llabs(h.approx_pos - p.start) <= kSamePlacementBp;
      });
      if (covered) continue;
      const int64_t contig_len = index_.reference().contig_length(p.contig);
      const int64_t begin = std::clamp<int64_t>(p.start - 32, 0, contig_len);
      const int64_t end = std::clamp<int64_t>(p.start + read_len + 32, 0, contig_len);
      if (end - begin < read_len / 2) continue;
      align_region(dp, index_, p.contig, begin, end, p.strand, read_len, options_.min_score, hits);
    }
    if (hits.size() != before)
      std::sort(hits.begin(), hits.end(), [](auto& a, auto& b) { return a.dp.score > b.dp.score; });
  };

  // Runs `stage` (candidates) then DP for each listed read on all threads, timing both.
  auto run_stage = [&](const std::vector<int64_t>& list, auto&& candidates, float ratio) {
    ParallelErrors errors;  // any exception (std::bad_alloc too) may not leave an OpenMP region
    // Named here, outside the OpenMP region: clang cannot capture the enclosing function's lambdas
    // from inside a parallel region of a generic lambda.
    auto& align_windows_of = align_windows;
    auto& align_placements_of = align_placements;
#pragma omp parallel for schedule(dynamic, 16)
    for (size_t j = 0; j < list.size(); ++j) {
      errors.guard([&] {
        auto& clock = impl_->thread_clock();
        const double t0 = now_s();
        std::vector<ScoredWindow> chosen = candidates(list[j]);
        const double t1 = now_s();
        align_windows_of(list[j], chosen, ratio);
        align_placements_of(list[j]);
        clock.candidate_s += t1 - t0;
        clock.dp_s += now_s() - t1;
      });
    }
    errors.rethrow();
  };

  std::vector<int64_t> every(n);
  for (int64_t i = 0; i < n; ++i) every[i] = i;
  const int64_t k = std::min<int64_t>(options_.top_k, store.count());
  const int64_t deep_k = std::min<int64_t>(options_.retry_top_k, store.count());
  auto poor = [&](int64_t i) {
    const int read_len = static_cast<int>(reads[i]->seq.size());
    return all[i].empty() || all[i][0].dp.score < options_.retry_below * read_len * options_.scoring.match;
  };
  // Reads the embedding gives nothing to rank with (all N, shorter than a k-mer) are left alone.
  auto embeddable = [&](int64_t i) {
    const float* q = &queries[i * dim];
    return std::any_of(q, q + dim, [](float x) { return x != 0.f; });
  };

  // Exhaustive top-`kk` vector search of `list`, then DP: one batched search on all threads.
  auto exhaustive_stage = [&](const std::vector<int64_t>& list, int64_t kk, float ratio) {
    if (list.empty()) return;
    const double t0 = now_s();
    std::vector<float> rows(list.size() * dim);
    for (size_t j = 0; j < list.size(); ++j) std::copy_n(&queries[list[j] * dim], dim, &rows[j * dim]);
    SearchResult result = store.search(rows.data(), static_cast<int64_t>(list.size()), kk);
    const double search_s = now_s() - t0;
    for (auto& c : impl_->clocks) c.candidate_s += search_s;
    std::vector<int64_t> row_of(n, -1);
    for (size_t j = 0; j < list.size(); ++j) row_of[list[j]] = static_cast<int64_t>(j);
    run_stage(list, [&](int64_t i) { return from_search(result, row_of[i]); }, ratio);
  };

  if (options_.search == CandidateSearch::exhaustive) {
    exhaustive_stage(every, k, options_.min_cosine_ratio);
    // Second chance: a read that found no alignment, or only a poor one, may be diverged enough
    // that its true window ranked below the top k: search deeper, with no noise cut.
    std::vector<int64_t> retry;
    for (int64_t i = 0; i < n; ++i)
      if (embeddable(i) && poor(i)) retry.push_back(i);
    if (deep_k > k) {
      impl_->retried += retry.size();
      exhaustive_stage(retry, deep_k, 0.0f);
    }
    return all;
  }

  run_stage(every, [&](int64_t i) { return sparse_windows(i, options_.candidates, k, true); }, options_.min_cosine_ratio);
  // Second chance for reads with no or a poor alignment: the wide look-up, and up to retry_top_k
  // windows go to DP with no cosine cut (a read diverged by 5-8% can rank its true window low).
  // A read whose best hit leads the runner-up by more than a mismatch: MAPQ would vouch for it.
  auto looks_unique = [&](int64_t i) {
    return all[i].size() < 2 || all[i][0].dp.score - all[i][1].dp.score > options_.scoring.match + options_.scoring.mismatch;
  };
  // Reads in repeats (a quarter or more of their minimizers skipped as too frequent) get the
  // repeats' windows too, ranked like the first pass: the copies the skipped minimizers point to
  // are the competitors that make MAPQ low, and without them a read in an L1 placed by its few
  // rare minimizers looked unique. Reads that already have a close runner-up (MAPQ near 0
  // anyway) skip it.
  std::vector<int64_t> retry, repeats;
  for (int64_t i = 0; i < n; ++i) {
    if (!embeddable(i)) continue;
    if (poor(i)) retry.push_back(i);
    else if (seeds[i].masked > 0 && 4 * seeds[i].masked >= seeds[i].minimizers && looks_unique(i)) repeats.push_back(i);
  }
  impl_->retried += retry.size() + repeats.size();
  const CandidateOptions& wide = options_.wide_candidates;
  run_stage(repeats, [&](int64_t i) { return sparse_windows(i, wide, options_.repeat_top_k, false); }, options_.min_cosine_ratio);
  run_stage(retry, [&](int64_t i) { return sparse_windows(i, wide, deep_k, false); }, 0.0f);
  // Bounded fallback: on a small genome, reads that no minimizer placed (highly diverged) get the
  // exhaustive search; on a large one its cost per read would grow with the genome.
  if (n_windows <= options_.exhaustive_fallback_max_windows) {
    std::vector<int64_t> fallback;
    for (int64_t i : retry)
      if (all[i].empty()) fallback.push_back(i);
    impl_->exhaustive += fallback.size();
    exhaustive_stage(fallback, deep_k, 0.0f);
  }
  return all;
}

namespace {

// A best hit (lone or not, even after the second look-up that every read scoring under 0.8 x its
// length gets) below this fraction of a full-length match gets MAPQ <= 3. On E. coli, at 0.6, 98
// of 100,000 mason reads (2% divergence + indels) that bwa mem places at MAPQ 60 were correct but
// capped; at 0.5 the ART sets did not change at all. On human chrX (100,000 mason reads) the
// hits under 0.5 that had a runner-up were 3 wrong and 2 right placements at MAPQ >= 20 (under
// 0.6: 5 wrong, 78 right): half a read that aligns is the trace of a true place not found.
static constexpr double kPoorHitMaxFraction = 0.5;

Placement place(DpAligner& dp, const RefIndex& index, const SeqRecord& read, const std::vector<ReadHit>& hits,
                size_t chosen, const AlignerOptions& opt) {
  Placement p;
  if (chosen >= hits.size()) return p;
  const ReadHit& h = hits[chosen];
  p.aln = dp.align(h.strand, region_view(index, h.contig, h.region_begin, h.region_end, 1), h.dp);
  p.mapped = true;
  p.tid = h.contig;
  p.pos = h.region_begin + p.aln.target_begin;
  p.end = h.region_begin + p.aln.target_end;
  p.reverse = h.strand == 1;
  int second = -1;
  for (size_t j = 0; j < hits.size(); ++j)
    if (j != chosen) second = std::max(second, hits[j].dp.score);
  p.xs = second;
  const int read_len = static_cast<int>(read.seq.size());
  p.mapq = mapping_quality(h.dp.score, second, aligned_read_length(p.aln.cigar, read_len), opt.scoring, opt.min_score);
  // A hit far below a full-length match may be a paralog standing in for a true place the
  // candidate search did not return; do not vouch for it.
  if (h.dp.score < kPoorHitMaxFraction * read_len * opt.scoring.match) p.mapq = std::min(p.mapq, 3);
  return p;
}

SamRecord make_record(const SeqRecord& read, const Placement& p) {
  SamRecord r;
  r.name = read.name;
  r.seq = &read.seq;
  r.qual = &read.qual;
  if (!p.mapped) {
    r.flag = 0x4;
    return r;
  }
  r.flag = p.reverse ? 0x10 : 0;
  r.tid = p.tid;
  r.pos = p.pos;
  r.mapq = static_cast<uint8_t>(p.mapq);
  r.cigar = p.aln.cigar;
  r.nm = p.aln.edit_distance;
  r.md = p.aln.md;
  r.as = p.aln.score;
  r.xs = p.xs >= 0 ? p.xs : -1;
  return r;
}

// FR orientation with the fragment length in [low, high]; positions approximate or exact.
bool proper_pair(int32_t tid1, int64_t pos1, int64_t end1, bool rev1, int32_t tid2, int64_t pos2, int64_t end2,
                 bool rev2, const InsertModel& m) {
  if (tid1 < 0 || tid1 != tid2 || rev1 == rev2) return false;
  int64_t fwd_pos = rev1 ? pos2 : pos1;
  int64_t rev_end = rev1 ? end1 : end2;
  int64_t fragment = rev_end - fwd_pos;
  return fragment >= m.low && fragment <= m.high;
}

// bwa mem's pair-score term for the fragment length: 0.721 x ln(two-sided normal tail of its
// z-score) x match, i.e. about -8 for a fragment 4.5 sd from the mean. Between two proper pairs
// with equal alignment scores (a tandem copy of one mate within the insert range) it prefers the
// likelier fragment, and the difference becomes the pair's MAPQ. Zero without an estimated sd.
int insert_size_score(const ReadHit& a, int len_a, const ReadHit& b, int len_b, const InsertModel& m) {
  if (!(m.sd > 0)) return 0;
  const ReadHit& fwd = a.strand == 0 ? a : b;
  const ReadHit& rev = a.strand == 0 ? b : a;
  const int64_t rev_len = a.strand == 0 ? len_b : len_a;
  const double z = std::fabs(double(rev.approx_pos + rev_len - fwd.approx_pos) - m.mean) / m.sd;
  return static_cast<int>(std::lround(0.721 * std::log(std::max(1e-300, 2.0 * std::erfc(z * M_SQRT1_2)))));
}

bool hits_proper(const ReadHit& a, int len_a, const ReadHit& b, int len_b, const InsertModel& m) {
  return proper_pair(a.contig, a.approx_pos, a.approx_pos + len_a, a.strand == 1, b.contig, b.approx_pos,
                     b.approx_pos + len_b, b.strand == 1, m);
}

}  // namespace

void Aligner::align_single(const std::vector<SeqRecord>& reads, std::vector<SamRecord>& out) {
  std::vector<const SeqRecord*> ptrs;
  for (auto& r : reads) ptrs.push_back(&r);
  auto hits = candidate_hits(ptrs);
  const size_t base = out.size();
  out.resize(base + reads.size());
  ParallelErrors errors;
#pragma omp parallel for schedule(dynamic, 32)
  for (size_t i = 0; i < reads.size(); ++i) {
    errors.guard([&] {
      DpAligner& dp = impl_->thread_dp();
      Placement p;
      if (!hits[i].empty()) {
        dp.set_read(reads[i].seq, reverse_complement(reads[i].seq));
        p = place(dp, index_, reads[i], hits[i], 0, options_);
      }
      out[base + i] = make_record(reads[i], p);
    });
  }
  errors.rethrow();
}

// Hits of one mate (best first) that may anchor a rescue of the other.
constexpr size_t kRescueAnchors = 4;

void Aligner::align_pairs(const std::vector<SeqRecord>& mates1, const std::vector<SeqRecord>& mates2,
                          std::vector<SamRecord>& out) {
  SPINDLE_ASSERT(mates1.size() == mates2.size());
  const size_t n = mates1.size();
  std::vector<const SeqRecord*> ptrs;
  for (size_t i = 0; i < n; ++i) ptrs.push_back(&mates1[i]);
  for (size_t i = 0; i < n; ++i) ptrs.push_back(&mates2[i]);
  auto hits = candidate_hits(ptrs);

  if (!insert_.known) {
    std::vector<int64_t> fragments;
    for (size_t i = 0; i < n; ++i) {
      auto &h1 = hits[i], &h2 = hits[n + i];
      if (h1.empty() || h2.empty()) continue;
      auto unique = [](const std::vector<ReadHit>& h) { return h.size() == 1 || h[1].dp.score + 20 < h[0].dp.score; };
      if (!unique(h1) || !unique(h2)) continue;
      const ReadHit &a = h1[0], &b = h2[0];
      if (a.contig != b.contig || a.strand == b.strand) continue;
      const ReadHit& f = a.strand == 0 ? a : b;
      const ReadHit& r = a.strand == 0 ? b : a;
      int64_t r_len = static_cast<int64_t>((a.strand == 0 ? mates2[i] : mates1[i]).seq.size());
      int64_t frag = r.approx_pos + r_len - f.approx_pos;
      if (frag > 0 && frag < 100000) fragments.push_back(frag);
    }
    insert_ = estimate_insert_model(fragments);
    if (!insert_.known) {  // too few pairs to tell: accept any FR pair up to 1 kb
      insert_.known = true;
      insert_.low = 1;
      insert_.high = 1000;
      insert_.mean = 500;
    }
  }
  const InsertModel model = insert_;
  const size_t base = out.size();
  out.resize(base + 2 * n);

  ParallelErrors errors;  // any exception (std::bad_alloc too) may not leave an OpenMP region
#pragma omp parallel for schedule(dynamic, 16)
  for (size_t i = 0; i < n; ++i) {
    errors.guard([&] {
      DpAligner& dp = impl_->thread_dp();
      const SeqRecord* read[2] = {&mates1[i], &mates2[i]};
      std::vector<ReadHit> h[2] = {std::move(hits[i]), std::move(hits[n + i])};
      const int len[2] = {static_cast<int>(read[0]->seq.size()), static_cast<int>(read[1]->seq.size())};

      // Mate rescue: when a good hit of one mate (the best, or within the unpaired penalty of it: a
      // copy of a segmental duplication) has no properly placed partner among the other mate's hits,
      // align the other mate in the window where the insert model says it must be. Rescuing the
      // copies too lets the pair see its second-best pair, which is what keeps its MAPQ low.
      for (int m = 0; m < 2; ++m)
        for (size_t a = 0; a < std::min<size_t>(h[m].size(), kRescueAnchors); ++a) {
        const int o = 1 - m;
        if (h[m][a].dp.score + options_.unpaired_penalty < h[m][0].dp.score) break;
        const ReadHit anchor = h[m][a];
        bool has_partner = false;
        for (auto& x : h[o]) has_partner |= hits_proper(anchor, len[m], x, len[o], model);
        if (has_partner) continue;
        const int64_t contig_len = index_.reference().contig_length(anchor.contig);
        int64_t begin, end;
        if (anchor.strand == 0) {
          begin = anchor.approx_pos + model.low - len[o] - 16;
          end = anchor.approx_pos + model.high + 16;
        } else {
          int64_t anchor_end = anchor.approx_pos + len[m];
          begin = anchor_end - model.high - 16;
          end = anchor_end - model.low + len[o] + 16;
        }
        begin = std::clamp<int64_t>(begin, 0, contig_len);
        end = std::clamp<int64_t>(end, 0, contig_len);
        if (end - begin < len[o] / 2) continue;
        dp.set_read(read[o]->seq, reverse_complement(read[o]->seq));
        // A mate placed by its partner needs less evidence of its own (bwa reports such mates too).
        align_region(dp, index_, anchor.contig, begin, end, 1 - anchor.strand, len[o], std::min(options_.min_score, 20),
                     h[o]);
        std::stable_sort(h[o].begin(), h[o].end(), [](auto& x, auto& y) { return x.dp.score > y.dp.score; });
      }

      // Best proper pair versus the best unpaired placement.
      int best_pair = std::numeric_limits<int>::min(), second_pair = std::numeric_limits<int>::min();
      size_t pick[2] = {0, 0};
      const size_t limit = 64;  // hits per mate paired up (a read in an L1 can have 20+ equal hits)
      for (size_t a = 0; a < std::min(limit, h[0].size()); ++a)
        for (size_t b = 0; b < std::min(limit, h[1].size()); ++b) {
          if (!hits_proper(h[0][a], len[0], h[1][b], len[1], model)) continue;
          int s = h[0][a].dp.score + h[1][b].dp.score + insert_size_score(h[0][a], len[0], h[1][b], len[1], model);
          if (s > best_pair) {
            second_pair = best_pair;
            best_pair = s;
            pick[0] = a;
            pick[1] = b;
          } else if (s > second_pair) {
            second_pair = s;
          }
        }
      int unpaired = (h[0].empty() ? 0 : h[0][0].dp.score) + (h[1].empty() ? 0 : h[1][0].dp.score) -
                     options_.unpaired_penalty;
      const bool use_pair = best_pair != std::numeric_limits<int>::min() && best_pair >= unpaired;
      Placement p[2];
      for (int m = 0; m < 2; ++m) {
        if (h[m].empty()) continue;
        dp.set_read(read[m]->seq, reverse_complement(read[m]->seq));
        p[m] = place(dp, index_, *read[m], h[m], use_pair ? pick[m] : 0, options_);
      }
      if (use_pair) {
        // bwa's pair MAPQ: the pair's lead over the runner-up (another pair or the unpaired option).
        int runner_up = std::max(second_pair, unpaired);
        int q_pe = std::clamp(static_cast<int>(6.02 * (best_pair - runner_up) / options_.scoring.match + 0.499), 0, 60);
        for (auto& pm : p) pm.mapq = std::max(pm.mapq, std::min(q_pe, pm.mapq + 40));
      }
      const bool proper = p[0].mapped && p[1].mapped &&
                          proper_pair(p[0].tid, p[0].pos, p[0].end, p[0].reverse, p[1].tid, p[1].pos, p[1].end,
                                      p[1].reverse, model);
      SamRecord rec[2] = {make_record(*read[0], p[0]), make_record(*read[1], p[1])};
      for (int m = 0; m < 2; ++m) {
        const int o = 1 - m;
        SamRecord& r = rec[m];
        r.flag |= 0x1 | (m == 0 ? 0x40 : 0x80);
        if (proper) r.flag |= 0x2;
        if (!p[o].mapped) r.flag |= 0x8;
        if (p[o].mapped && p[o].reverse) r.flag |= 0x20;
        if (!p[m].mapped && p[o].mapped) {  // SAM convention: an unmapped mate sits at its partner
          r.tid = p[o].tid;
          r.pos = p[o].pos;
        }
        if (p[o].mapped) {
          r.mate_tid = p[o].tid;
          r.mate_pos = p[o].pos;
          r.mate_cigar = cigar_string(p[o].aln.cigar);
        } else if (p[m].mapped) {
          r.mate_tid = p[m].tid;
          r.mate_pos = p[m].pos;
        }
        if (p[m].mapped && p[o].mapped && p[m].tid == p[o].tid) {
          int64_t left = std::min(p[m].pos, p[o].pos), right = std::max(p[m].end, p[o].end);
          bool leftmost = p[m].pos < p[o].pos || (p[m].pos == p[o].pos && m == 0);
          r.insert_size = leftmost ? right - left : -(right - left);
        }
      }
      out[base + 2 * i] = std::move(rec[0]);
      out[base + 2 * i + 1] = std::move(rec[1]);
    });
  }
  errors.rethrow();
}

}  // namespace spindle
