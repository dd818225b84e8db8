#include "genomics/dp_align.h"

#include <parasail.h>

#include <algorithm>

#include "base/error.h"
#include "genomics/kmers.h"

namespace spindle {
namespace {

constexpr uint32_t kMatch = 0, kIns = 1, kDel = 2, kSoftClip = 4;
inline uint32_t cigar_op(uint32_t len, uint32_t op) { return (len << 4) | op; }

struct ResultDeleter {
  void operator()(parasail_result_t* r) const { parasail_result_free(r); }
};
using ResultPtr = std::unique_ptr<parasail_result_t, ResultDeleter>;

// parasail returns NULL when it cannot allocate its tables (or rejects the sizes): a run-time
// failure on the user's data, reported as one line rather than an abort.
[[noreturn]] void parasail_failed(const char* call, size_t read_len, size_t target_len) {
  throw Error(std::string("dynamic programming failed: parasail ") + call + " returned no result for a " +
              std::to_string(read_len) + " bp read against " + std::to_string(target_len) +
              " bp of reference (out of memory, or sequences too long)");
}

inline int pair_score(char a, char b, const DpScoring& s) {
  if (a == 'N' || b == 'N') return -s.n_penalty;
  return a == b ? s.match : -s.mismatch;
}

struct EndExtension {
  bool feasible = false;
  int score = 0;
  int target_used = 0;
  std::vector<uint32_t> ops;  // BAM-encoded, from the junction outwards
};

// Aligns all of `read_part` from its start against a prefix of `target_part` of free length
// (semi-global, affine gaps, Gotoh with traceback). Small inputs: the clipped end of one read.
EndExtension extend_to_read_end(std::string_view read_part, std::string_view target_part, const DpScoring& sc) {
  const int n = static_cast<int>(read_part.size()), m = static_cast<int>(target_part.size());
  EndExtension out;
  if (n == 0 || m == 0 || n > 512) return out;
  const int kNeg = -1000000;
  const int w = m + 1;
  // H: best ending in any state; E: ending with a deletion (target consumed); F: an insertion.
  std::vector<int> H((n + 1) * w, kNeg), E((n + 1) * w, kNeg), F((n + 1) * w, kNeg);
  auto at = [w](int i, int j) { return i * w + j; };
  H[at(0, 0)] = 0;
  for (int j = 1; j <= m; ++j) E[at(0, j)] = H[at(0, j)] = -(sc.gap_open + sc.gap_extend * j);
  for (int i = 1; i <= n; ++i) F[at(i, 0)] = H[at(i, 0)] = -(sc.gap_open + sc.gap_extend * i);
  for (int i = 1; i <= n; ++i)
    for (int j = 1; j <= m; ++j) {
      E[at(i, j)] = std::max(E[at(i, j - 1)] - sc.gap_extend, H[at(i, j - 1)] - sc.gap_open - sc.gap_extend);
      F[at(i, j)] = std::max(F[at(i - 1, j)] - sc.gap_extend, H[at(i - 1, j)] - sc.gap_open - sc.gap_extend);
      int diag = H[at(i - 1, j - 1)] + pair_score(read_part[i - 1], target_part[j - 1], sc);
      H[at(i, j)] = std::max({diag, E[at(i, j)], F[at(i, j)]});
    }
  int best_j = 0;
  for (int j = 1; j <= m; ++j)
    if (H[at(n, j)] > H[at(n, best_j)]) best_j = j;
  out.feasible = true;
  out.score = H[at(n, best_j)];
  out.target_used = best_j;
  // Traceback from (n, best_j) to (0, 0); state 0 = H, 1 = E (deletion), 2 = F (insertion).
  std::vector<uint32_t> rev;
  auto push = [&rev](uint32_t op) {
    if (!rev.empty() && (rev.back() & 0xf) == op) rev.back() += 1u << 4;
    else rev.push_back(cigar_op(1, op));
  };
  int i = n, j = best_j, state = 0;
  while (i > 0 || j > 0) {
    if (state == 0) {
      if (i > 0 && j > 0 && H[at(i, j)] == H[at(i - 1, j - 1)] + pair_score(read_part[i - 1], target_part[j - 1], sc)) {
        push(kMatch);
        --i, --j;
      } else if (j > 0 && H[at(i, j)] == E[at(i, j)]) {
        state = 1;
      } else {
        state = 2;
      }
    } else if (state == 1) {
      push(kDel);
      // Row 0 is one long deletion; elsewhere the gap opened where E came from H.
      bool opened = i > 0 && E[at(i, j)] == H[at(i, j - 1)] - sc.gap_open - sc.gap_extend;
      --j;
      if (opened) state = 0;
    } else {
      push(kIns);
      bool opened = j == 0 ? false : F[at(i, j)] == H[at(i - 1, j)] - sc.gap_open - sc.gap_extend;
      --i;
      if (opened) state = 0;
    }
  }
  out.ops.assign(rev.rbegin(), rev.rend());
  return out;
}

// Re-extends clipped read ends, adds soft clips and computes the tags (defined below).
DpAlignment finish_alignment(const std::string& read, std::string_view target, int read_begin, int target_begin,
                             std::vector<uint32_t> body, int read_end, int target_end, const DpScoring& scoring);

constexpr int kSeedK = 12;

// A small open-addressing table from a read's 12-mers to their read position; k-mers occurring
// twice in the read are marked and ignored (they would vote for two diagonals).
struct SeedTable {
  static constexpr int kRepeated = -2;
  std::vector<uint32_t> keys;  // k-mer + 1, 0 = empty
  std::vector<int> pos;
  uint32_t mask = 0;
  void build(const std::string& read) {
    size_t size = 64;
    while (size < 4 * read.size()) size *= 2;
    keys.assign(size, 0);
    pos.assign(size, -1);
    mask = static_cast<uint32_t>(size - 1);
    for_each_kmer(read, kSeedK, [&](int end, uint32_t kmer) {
      uint32_t h = (kmer * 2654435761u) & mask;
      while (keys[h] != 0 && keys[h] != kmer + 1) h = (h + 1) & mask;
      if (keys[h] == 0) {
        keys[h] = kmer + 1;
        pos[h] = end - kSeedK + 1;
      } else {
        pos[h] = kRepeated;
      }
    });
  }
  int find(uint32_t kmer) const {
    uint32_t h = (kmer * 2654435761u) & mask;
    while (keys[h] != 0) {
      if (keys[h] == kmer + 1) return pos[h];
      h = (h + 1) & mask;
    }
    return -1;
  }
};

}  // namespace

struct DpAligner::Impl {
  parasail_matrix_t* matrix = nullptr;
  // Built on first use by score(): most Illumina reads are placed by ungapped_hit() alone and
  // never need one (building both strands' profiles was 5% of align's time).
  parasail_profile_t* profile[2] = {nullptr, nullptr};
  std::string read[2];
  SeedTable seeds[2];
  std::vector<int> diagonals[2];  // diagonal_votes() scratch, reused across calls
  // One bit per hash of every 12-mer of the read on either strand (65536 bits, ~0.4% set for a
  // 150 bp read): diagonal_votes() skips the two table look-ups for target k-mers whose bit is
  // clear, which is nearly all of them in the noise regions that the deep second search returns
  // (that search made diagonal_votes a third of align's time on diverged reads).
  static constexpr int kFilterBits = 16;
  std::vector<uint64_t> filter = std::vector<uint64_t>((1u << kFilterBits) / 64);
  std::vector<uint32_t> filter_words;  // words set for the current read, to clear them cheaply
  static uint32_t filter_hash(uint32_t kmer) { return (kmer * 2654435761u) >> (32 - kFilterBits); }
  ~Impl() {
    for (auto* p : profile)
      if (p) parasail_profile_free(p);
    if (matrix) parasail_matrix_free(matrix);
  }
};

DpAligner::DpAligner(DpScoring scoring) : impl_(std::make_unique<Impl>()), scoring_(scoring) {
  impl_->matrix = parasail_matrix_create("ACGTN", scoring.match, -scoring.mismatch);
  if (!impl_->matrix) throw Error("dynamic programming failed: parasail could not create its scoring matrix");
  for (int i = 0; i < 5; ++i) {
    parasail_matrix_set_value(impl_->matrix, i, 4, -scoring.n_penalty);
    parasail_matrix_set_value(impl_->matrix, 4, i, -scoring.n_penalty);
  }
}

DpAligner::~DpAligner() = default;

void DpAligner::set_read(std::string_view read_forward, std::string_view read_reverse) {
  // The aligner prepares a read again for its second search and for the final alignment.
  if (impl_->read[0] == read_forward && impl_->read[1] == read_reverse && !impl_->read[0].empty()) return;
  uint64_t* filter = impl_->filter.data();
  for (uint32_t w : impl_->filter_words) filter[w] = 0;  // the previous read's bits only
  impl_->filter_words.clear();
  for (int s = 0; s < 2; ++s) {
    if (impl_->profile[s]) parasail_profile_free(impl_->profile[s]);
    impl_->profile[s] = nullptr;
    const std::string& read = impl_->read[s].assign(s == 0 ? read_forward : read_reverse);
    impl_->seeds[s].build(read);
    for_each_kmer(read, kSeedK, [&](int, uint32_t kmer) {
      const uint32_t h = Impl::filter_hash(kmer);
      filter[h >> 6] |= uint64_t(1) << (h & 63);
      impl_->filter_words.push_back(h >> 6);
    });
  }
}

DiagonalVotes DpAligner::diagonal_votes(std::string_view target) const {
  DiagonalVotes out;
  std::vector<int>* diagonals = impl_->diagonals;
  const uint64_t* filter = impl_->filter.data();
  diagonals[0].clear();
  diagonals[1].clear();
  for_each_kmer(target, kSeedK, [&](int end, uint32_t kmer) {
    const uint32_t h = Impl::filter_hash(kmer);
    if (!((filter[h >> 6] >> (h & 63)) & 1)) return;
    for (int s = 0; s < 2; ++s) {
      int p = impl_->seeds[s].find(kmer);
      if (p >= 0) diagonals[s].push_back(end - kSeedK + 1 - p);
    }
  });
  for (int s = 0; s < 2; ++s) {
    auto& d = diagonals[s];
    if (d.empty()) continue;
    std::sort(d.begin(), d.end());
    // The densest band of +-2 around a diagonal tolerates small indels between seeds.
    size_t lo = 0;
    for (size_t hi = 0; hi < d.size(); ++hi) {
      while (d[hi] - d[lo] > 4) ++lo;
      int count = static_cast<int>(hi - lo + 1);
      if (count > out.votes[s]) {
        out.votes[s] = count;
        out.diagonal[s] = d[(lo + hi) / 2];
      }
    }
    const int apart = static_cast<int>(impl_->read[s].size()) / 2;
    lo = 0;
    for (size_t hi = 0; hi < d.size(); ++hi) {
      while (d[hi] - d[lo] > 4) ++lo;
      int count = static_cast<int>(hi - lo + 1), diag = d[(lo + hi) / 2];
      if (std::abs(diag - out.diagonal[s]) > apart && count > out.second_votes[s]) {
        out.second_votes[s] = count;
        out.second_diagonal[s] = diag;
      }
    }
  }
  return out;
}

DpHit DpAligner::ungapped_hit(int strand, std::string_view target, int diagonal) const {
  const std::string& read = impl_->read[strand];
  const int n = static_cast<int>(read.size()), t = static_cast<int>(target.size());
  // Kadane's maximum-sum segment of per-base scores along the diagonal.
  DpHit best;
  int run = 0, run_begin = 0;
  for (int i = 0; i < n; ++i) {
    int tp = diagonal + i;
    if (tp < 0 || tp >= t) {
      run = 0;
      run_begin = i + 1;
      continue;
    }
    run += pair_score(read[i], target[tp], scoring_);
    if (run <= 0) {
      run = 0;
      run_begin = i + 1;
    } else if (run > best.score) {
      best.score = run;
      best.read_begin = run_begin;
      best.read_end = i;
      best.target_end = tp;
    }
  }
  best.ungapped = best.score > 0;
  return best;
}

// parasail charges `open` for the first gap base and `extend` for each further one.
DpHit DpAligner::score(int strand, std::string_view target) const {
  DpHit hit;
  if (target.empty() || impl_->read[strand].empty()) return hit;
  if (!impl_->profile[strand])
    impl_->profile[strand] = parasail_profile_create_16(impl_->read[strand].data(),
                                                        static_cast<int>(impl_->read[strand].size()), impl_->matrix);
  if (!impl_->profile[strand]) parasail_failed("profile_create_16", impl_->read[strand].size(), target.size());
  ResultPtr r(parasail_sw_striped_profile_16(impl_->profile[strand], target.data(), static_cast<int>(target.size()),
                                             scoring_.gap_open + scoring_.gap_extend, scoring_.gap_extend));
  if (!r) parasail_failed("sw_striped_profile_16", impl_->read[strand].size(), target.size());
  // 16-bit lanes saturate at 32,767: a score that reaches it is redone in 32 bits, not reported.
  if (parasail_result_is_saturated(r.get())) {
    const std::string& read = impl_->read[strand];
    r.reset(parasail_sw_striped_32(read.data(), static_cast<int>(read.size()), target.data(),
                                   static_cast<int>(target.size()), scoring_.gap_open + scoring_.gap_extend,
                                   scoring_.gap_extend, impl_->matrix));
    if (!r) parasail_failed("sw_striped_32", read.size(), target.size());
  }
  hit.score = parasail_result_get_score(r.get());
  hit.target_end = parasail_result_get_end_ref(r.get());
  hit.read_end = parasail_result_get_end_query(r.get());
  return hit;
}

DpAlignment DpAligner::align(int strand, std::string_view target, const DpHit& hit) const {
  const std::string& read = impl_->read[strand];
  const int read_len = static_cast<int>(read.size());
  if (hit.ungapped) {
    int len = hit.read_end - hit.read_begin + 1;
    return finish_alignment(read, target, hit.read_begin, hit.target_end - len + 1, {cigar_op(len, kMatch)},
                            hit.read_end + 1, hit.target_end + 1, scoring_);
  }
  // Trace back only in the part of the target that can hold the alignment ending at hit.target_end.
  int slack = read_len + 32;
  int sub_begin = std::max(0, hit.target_end - read_len - slack);
  int sub_end = std::min(static_cast<int>(target.size()), hit.target_end + 1);
  std::string_view sub = target.substr(sub_begin, sub_end - sub_begin);
  ResultPtr r(parasail_sw_trace_striped_16(read.data(), read_len, sub.data(), static_cast<int>(sub.size()),
                                           scoring_.gap_open + scoring_.gap_extend, scoring_.gap_extend,
                                           impl_->matrix));
  if (!r) parasail_failed("sw_trace_striped_16", read.size(), sub.size());
  if (parasail_result_is_saturated(r.get())) {
    r.reset(parasail_sw_trace_striped_32(read.data(), read_len, sub.data(), static_cast<int>(sub.size()),
                                         scoring_.gap_open + scoring_.gap_extend, scoring_.gap_extend,
                                         impl_->matrix));
    if (!r) parasail_failed("sw_trace_striped_32", read.size(), sub.size());
  }
  parasail_cigar_t* pc = parasail_result_get_cigar(r.get(), read.data(), read_len, sub.data(),
                                                   static_cast<int>(sub.size()), impl_->matrix);
  if (!pc) parasail_failed("result_get_cigar", read.size(), sub.size());
  int read_begin = pc->beg_query;
  int target_begin = sub_begin + pc->beg_ref;
  std::vector<uint32_t> body;  // M/I/D only
  int read_consumed = 0, target_consumed = 0;
  for (int i = 0; i < pc->len; ++i) {
    char op = parasail_cigar_decode_op(pc->seq[i]);
    uint32_t len = parasail_cigar_decode_len(pc->seq[i]);
    uint32_t bam_op = (op == 'I') ? kIns : (op == 'D') ? kDel : kMatch;
    if (bam_op != kDel) read_consumed += len;
    if (bam_op != kIns) target_consumed += len;
    if (!body.empty() && (body.back() & 0xf) == bam_op) body.back() += len << 4;
    else body.push_back(cigar_op(len, bam_op));
  }
  parasail_cigar_free(pc);
  // parasail may report unaligned target/read prefixes and suffixes as leading or trailing gaps;
  // a local alignment starts and ends with aligned bases, so fold them into the offsets.
  while (!body.empty() && (body.front() & 0xf) != kMatch) {
    uint32_t len = body.front() >> 4;
    if ((body.front() & 0xf) == kDel) target_begin += len, target_consumed -= len;
    else read_begin += len, read_consumed -= len;
    body.erase(body.begin());
  }
  while (!body.empty() && (body.back() & 0xf) != kMatch) {
    uint32_t len = body.back() >> 4;
    if ((body.back() & 0xf) == kDel) target_consumed -= len;
    else read_consumed -= len;
    body.pop_back();
  }
  return finish_alignment(read, target, read_begin, target_begin, std::move(body), read_begin + read_consumed,
                          target_begin + target_consumed, scoring_);
}

namespace {

DpAlignment finish_alignment(const std::string& read, std::string_view target, int read_begin, int target_begin,
                             std::vector<uint32_t> body, int read_end, int target_end, const DpScoring& scoring_) {
  const int read_len = static_cast<int>(read.size());
  DpAlignment out;

  // Re-extend clipped ends to the read's end (gaps allowed) when that beats the clipping
  // penalty: bwa's end bonus, which local alignment alone lacks.
  int head = read_begin, tail = read_len - read_end;
  if (head > 0) {
    int room = std::min(target_begin, head + 16);
    std::string rp(read.rbegin() + (read_len - head), read.rend());  // reversed read prefix
    std::string tp(target.substr(target_begin - room, room));
    std::reverse(tp.begin(), tp.end());
    EndExtension e = extend_to_read_end(rp, tp, scoring_);
    if (e.feasible && e.score > -scoring_.clip_penalty) {
      std::reverse(e.ops.begin(), e.ops.end());
      target_begin -= e.target_used;
      for (auto it = e.ops.rbegin(); it != e.ops.rend(); ++it) {
        if (!body.empty() && (body.front() & 0xf) == (*it & 0xf)) body.front() += *it & ~0xfu;
        else body.insert(body.begin(), *it);
      }
      head = 0;
    }
  }
  if (tail > 0) {
    int room = std::min(static_cast<int>(target.size()) - target_end, tail + 16);
    EndExtension e = extend_to_read_end(read.substr(read_end), target.substr(target_end, std::max(0, room)), scoring_);
    if (e.feasible && e.score > -scoring_.clip_penalty) {
      target_end += e.target_used;
      for (uint32_t op : e.ops) {
        if (!body.empty() && (body.back() & 0xf) == (op & 0xf)) body.back() += op & ~0xfu;
        else body.push_back(op);
      }
      tail = 0;
    }
  }
  if (head > 0) out.cigar.push_back(cigar_op(head, kSoftClip));
  out.cigar.insert(out.cigar.end(), body.begin(), body.end());
  if (tail > 0) out.cigar.push_back(cigar_op(tail, kSoftClip));
  out.target_begin = target_begin;
  out.target_end = target_end;
  fill_alignment_tags(read, target, scoring_, out);
  return out;
}

}  // namespace

void fill_alignment_tags(std::string_view read, std::string_view target, const DpScoring& scoring,
                         DpAlignment& a) {
  int score = 0, nm = 0, run = 0;
  size_t ri = 0, ti = a.target_begin;
  std::string md;
  for (size_t k = 0; k < a.cigar.size(); ++k) {
    uint32_t op = a.cigar[k] & 0xf, len = a.cigar[k] >> 4;
    if (op == kSoftClip) {
      ri += len;
    } else if (op == kMatch) {
      for (uint32_t i = 0; i < len; ++i, ++ri, ++ti) {
        SPINDLE_ASSERT(ri < read.size() && ti < target.size());
        score += pair_score(read[ri], target[ti], scoring);
        if (read[ri] == target[ti] && read[ri] != 'N') {
          ++run;
        } else {
          ++nm;
          md += std::to_string(run);
          md += target[ti];
          run = 0;
        }
      }
    } else if (op == kIns) {
      score -= scoring.gap_open + scoring.gap_extend * static_cast<int>(len);
      nm += len;
      ri += len;
    } else if (op == kDel) {
      score -= scoring.gap_open + scoring.gap_extend * static_cast<int>(len);
      nm += len;
      md += std::to_string(run);
      md += '^';
      md.append(target.substr(ti, len));
      run = 0;
      ti += len;
    }
  }
  md += std::to_string(run);
  a.score = score;
  a.edit_distance = nm;
  a.md = md;
  a.target_end = static_cast<int>(ti);
}

std::string cigar_string(const std::vector<uint32_t>& cigar) {
  static const char ops[] = "MIDNSHP=X";
  std::string s;
  for (uint32_t c : cigar) {
    s += std::to_string(c >> 4);
    s += ops[c & 0xf];
  }
  return s;
}

}  // namespace spindle
