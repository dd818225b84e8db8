#include "genomics/dp_align.h"

#include <parasail.h>

#include <algorithm>

#include "kernels/error.h"

namespace spindle {
namespace {

constexpr uint32_t kMatch = 0, kIns = 1, kDel = 2, kSoftClip = 4;
inline uint32_t cigar_op(uint32_t len, uint32_t op) { return (len << 4) | op; }

struct ResultDeleter {
  void operator()(parasail_result_t* r) const { parasail_result_free(r); }
};
using ResultPtr = std::unique_ptr<parasail_result_t, ResultDeleter>;

inline int pair_score(char a, char b, const DpScoring& s) {
  if (a == 'N' || b == 'N') return -s.n_penalty;
  return a == b ? s.match : -s.mismatch;
}

}  // namespace

struct DpAligner::Impl {
  parasail_matrix_t* matrix = nullptr;
  parasail_profile_t* profile[2] = {nullptr, nullptr};
  std::string read[2];
  ~Impl() {
    for (auto* p : profile)
      if (p) parasail_profile_free(p);
    if (matrix) parasail_matrix_free(matrix);
  }
};

DpAligner::DpAligner(DpScoring scoring) : impl_(std::make_unique<Impl>()), scoring_(scoring) {
  impl_->matrix = parasail_matrix_create("ACGTN", scoring.match, -scoring.mismatch);
  SPINDLE_ASSERT(impl_->matrix != nullptr);
  for (int i = 0; i < 5; ++i) {
    parasail_matrix_set_value(impl_->matrix, i, 4, -scoring.n_penalty);
    parasail_matrix_set_value(impl_->matrix, 4, i, -scoring.n_penalty);
  }
}

DpAligner::~DpAligner() = default;

void DpAligner::set_read(std::string_view read_forward, std::string_view read_reverse) {
  for (int s = 0; s < 2; ++s) {
    if (impl_->profile[s]) parasail_profile_free(impl_->profile[s]);
    impl_->read[s].assign(s == 0 ? read_forward : read_reverse);
    impl_->profile[s] = parasail_profile_create_16(impl_->read[s].data(), static_cast<int>(impl_->read[s].size()),
                                                   impl_->matrix);
  }
}

// parasail charges `open` for the first gap base and `extend` for each further one.
DpHit DpAligner::score(int strand, std::string_view target) const {
  DpHit hit;
  if (target.empty() || impl_->read[strand].empty()) return hit;
  ResultPtr r(parasail_sw_striped_profile_16(impl_->profile[strand], target.data(), static_cast<int>(target.size()),
                                             scoring_.gap_open + scoring_.gap_extend, scoring_.gap_extend));
  SPINDLE_ASSERT(r != nullptr);
  hit.score = parasail_result_get_score(r.get());
  hit.target_end = parasail_result_get_end_ref(r.get());
  hit.read_end = parasail_result_get_end_query(r.get());
  return hit;
}

DpAlignment DpAligner::align(int strand, std::string_view target, const DpHit& hit) const {
  const std::string& read = impl_->read[strand];
  const int read_len = static_cast<int>(read.size());
  DpAlignment out;
  // Trace back only in the part of the target that can hold the alignment ending at hit.target_end.
  int slack = read_len + 32;
  int sub_begin = std::max(0, hit.target_end - read_len - slack);
  int sub_end = std::min(static_cast<int>(target.size()), hit.target_end + 1);
  std::string_view sub = target.substr(sub_begin, sub_end - sub_begin);
  ResultPtr r(parasail_sw_trace_striped_16(read.data(), read_len, sub.data(), static_cast<int>(sub.size()),
                                           scoring_.gap_open + scoring_.gap_extend, scoring_.gap_extend,
                                           impl_->matrix));
  SPINDLE_ASSERT(r != nullptr);
  parasail_cigar_t* pc = parasail_result_get_cigar(r.get(), read.data(), read_len, sub.data(),
                                                   static_cast<int>(sub.size()), impl_->matrix);
  SPINDLE_ASSERT(pc != nullptr);
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
  int read_end = read_begin + read_consumed;  // one past
  int target_end = target_begin + target_consumed;

  // Re-extend clipped ends ungapped when that beats the clipping penalty.
  int head = read_begin, tail = read_len - read_end;
  if (head > 0 && target_begin >= head) {
    int s = 0;
    for (int i = 0; i < head; ++i) s += pair_score(read[i], target[target_begin - head + i], scoring_);
    if (s > -scoring_.clip_penalty) {
      target_begin -= head;
      if (!body.empty() && (body.front() & 0xf) == kMatch) body.front() += static_cast<uint32_t>(head) << 4;
      else body.insert(body.begin(), cigar_op(head, kMatch));
      head = 0;
    }
  }
  if (tail > 0 && target_end + tail <= static_cast<int>(target.size())) {
    int s = 0;
    for (int i = 0; i < tail; ++i) s += pair_score(read[read_end + i], target[target_end + i], scoring_);
    if (s > -scoring_.clip_penalty) {
      target_end += tail;
      if (!body.empty() && (body.back() & 0xf) == kMatch) body.back() += static_cast<uint32_t>(tail) << 4;
      else body.push_back(cigar_op(tail, kMatch));
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
