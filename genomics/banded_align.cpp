#include "genomics/banded_align.h"

#include <algorithm>
#include <limits>

#include "kernels/error.h"

namespace spindle {
namespace {

constexpr uint32_t kMatch = 0, kIns = 1, kDel = 2;
constexpr int kNeg = std::numeric_limits<int>::min() / 4;

inline int pair_score(char a, char b, const DpScoring& s) {
  if (a == 'N' || b == 'N') return -s.n_penalty;
  return a == b ? s.match : -s.mismatch;
}

// Traceback byte: bits 0-1 where H came from (0 diagonal, 1 E = deletion, 2 F = insertion),
// bit 2: E extended an E (not opened from H), bit 3: F extended an F.
BandedResult align(std::string_view read, std::string_view target, const DpScoring& sc, int band, bool global) {
  const int m = static_cast<int>(target.size());
  // An extension follows the main diagonal: read bases past m + band could never be reached (the
  // target ran out, e.g. at a contig end), and their rows would have empty bands.
  const int n = global ? static_cast<int>(read.size()) : std::min(static_cast<int>(read.size()), m + band);
  BandedResult out;
  // Row i covers target columns [lo[i], hi[i]] (inclusive, 0..m), around j = i * m / n for a
  // global alignment (corner to corner) and j = i for an extension (no end to aim at).
  // Buffers reused across calls on a thread: a long read makes hundreds of small calls.
  thread_local std::vector<int> lo, hi, H_prev, E_prev, F_prev, H_cur, E_cur, F_cur;
  thread_local std::vector<size_t> offset;
  thread_local std::vector<uint8_t> trace;
  lo.resize(n + 1);
  hi.resize(n + 1);
  offset.assign(n + 2, 0);
  for (int i = 0; i <= n; ++i) {
    const int64_t centre = !global ? i : n == 0 ? 0 : int64_t(i) * m / n;
    lo[i] = static_cast<int>(std::max<int64_t>(0, centre - band));
    hi[i] = static_cast<int>(std::min<int64_t>(m, centre + band));
    if (i == 0) lo[i] = 0;
    if (i == n && global) hi[i] = m;
    SPINDLE_ASSERT(hi[i] >= lo[i]);
    offset[i + 1] = offset[i] + static_cast<size_t>(hi[i] - lo[i] + 1);
  }
  // Every in-band cell is written before it is read (neighbours are read only inside their own
  // row's band), so nothing needs clearing.
  trace.resize(offset[n + 1]);
  for (auto* v : {&H_prev, &E_prev, &F_prev, &H_cur, &E_cur, &F_cur})
    if (v->size() < static_cast<size_t>(m + 1)) v->resize(m + 1);
  const int open = sc.gap_open + sc.gap_extend, extend = sc.gap_extend;
  int best = kNeg, best_i = 0, best_j = 0;
  for (int i = 0; i <= n; ++i) {
    for (int j = lo[i]; j <= hi[i]; ++j) {
      uint8_t t = 0;
      int h;
      if (i == 0 && j == 0) {
        h = 0;
        E_cur[j] = F_cur[j] = kNeg;
      } else {
        // E: deletion (target base consumed), from the left in this row.
        int e = kNeg;
        if (j > lo[i]) {
          const int from_h = H_cur[j - 1] - open, from_e = E_cur[j - 1] - extend;
          e = std::max(from_h, from_e);
          if (from_e >= from_h) t |= 4;
        }
        // F: insertion (read base consumed), from the row above.
        int f = kNeg;
        if (i > 0 && j >= lo[i - 1] && j <= hi[i - 1]) {
          const int from_h = H_prev[j] - open, from_f = F_prev[j] - extend;
          f = std::max(from_h, from_f);
          if (from_f >= from_h) t |= 8;
        }
        int d = kNeg;
        if (i > 0 && j > 0 && j - 1 >= lo[i - 1] && j - 1 <= hi[i - 1] && H_prev[j - 1] > kNeg)
          d = H_prev[j - 1] + pair_score(read[i - 1], target[j - 1], sc);
        h = d;
        if (e > h) h = e, t = (t & ~3) | 1;
        if (f > h) h = f, t = (t & ~3) | 2;
        E_cur[j] = e;
        F_cur[j] = f;
      }
      H_cur[j] = h;
      trace[offset[i] + (j - lo[i])] = t;
      if (!global && h > best) best = h, best_i = i, best_j = j;
    }
    std::swap(H_prev, H_cur);
    std::swap(E_prev, E_cur);
    std::swap(F_prev, F_cur);
  }
  if (global) {
    best_i = n;
    best_j = m;
    best = H_prev[m];
  }
  out.score = best;
  out.read_used = best_i;
  out.target_used = best_j;
  // Traceback: state 0 = H, 1 = E, 2 = F.
  std::vector<uint32_t> rev;
  auto push = [&rev](uint32_t op) {
    if (!rev.empty() && (rev.back() & 0xf) == op) rev.back() += 1u << 4;
    else rev.push_back((1u << 4) | op);
  };
  int i = best_i, j = best_j, state = 0;
  while (i > 0 || j > 0) {
    SPINDLE_ASSERT(j >= lo[i] && j <= hi[i]);
    const uint8_t t = trace[offset[i] + (j - lo[i])];
    if (state == 0) {
      const int from = t & 3;
      if (from == 0) {
        push(kMatch);
        --i, --j;
      } else {
        state = from;
      }
    } else if (state == 1) {
      push(kDel);
      const bool extended = t & 4;
      --j;
      if (!extended) state = 0;
    } else {
      push(kIns);
      const bool extended = t & 8;
      --i;
      if (!extended) state = 0;
    }
  }
  out.cigar.assign(rev.rbegin(), rev.rend());
  return out;
}

int widened(int band, int n, int m) { return band + std::abs(n - m); }

}  // namespace

BandedResult banded_global(std::string_view read, std::string_view target, const DpScoring& scoring, int band) {
  return align(read, target, scoring, widened(band, static_cast<int>(read.size()), static_cast<int>(target.size())), true);
}

BandedResult banded_extend(std::string_view read, std::string_view target, const DpScoring& scoring, int band) {
  return align(read, target, scoring, band, false);
}

}  // namespace spindle
