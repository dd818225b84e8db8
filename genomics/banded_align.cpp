#include "genomics/banded_align.h"

#include <algorithm>
#include <limits>

#include "base/error.h"

namespace spindle {
namespace {

constexpr uint32_t kMatch = 0, kIns = 1, kDel = 2;
constexpr int kNeg = std::numeric_limits<int>::min() / 4;

// Traceback byte: bits 0-1 where H came from (0 diagonal, 1 E = deletion, 2 F = insertion),
// bit 2: E extended an E (not opened from H), bit 3: F extended an F.
BandedResult align(std::string_view read, std::string_view target, const DpScoring& sc, int band, bool global) {
  const int m = static_cast<int>(target.size());
  // An extension follows the main diagonal: read bases past m + band could never be reached (the
  // target ran out, e.g. at a contig end), and their rows would have empty bands.
  const int n = global ? static_cast<int>(read.size()) : std::min(static_cast<int>(read.size()), m + band);
  BandedResult out;
  // Buffers reused across calls on a thread: a long read makes hundreds of small calls.
  thread_local std::vector<int> lo, hi, H_prev, F_prev, H_cur, F_cur;
  thread_local std::vector<size_t> offset;
  thread_local std::vector<uint8_t> trace;
  lo.resize(n + 1);
  hi.resize(n + 1);
  offset.assign(n + 2, 0);
  // Row i covers target columns [lo[i], hi[i]] (inclusive, 0..m), around j = i * m / n for a
  // global alignment (corner to corner) and j = i for an extension (no end to aim at).
  for (int i = 0; i <= n; ++i) {
    const int64_t centre = !global ? i : n == 0 ? 0 : int64_t(i) * m / n;
    lo[i] = static_cast<int>(std::max<int64_t>(0, centre - band));
    hi[i] = static_cast<int>(std::min<int64_t>(m, centre + band));
    if (i == 0) lo[i] = 0;
    if (i == n && global) hi[i] = m;
    SPINDLE_ASSERT(hi[i] >= lo[i]);
    offset[i + 1] = offset[i] + static_cast<size_t>(hi[i] - lo[i] + 1);
  }
  // Every in-band cell is written before it is read, and the cells of the previous row that the
  // next one reads outside its band are set to -inf first, so nothing needs clearing.
  trace.resize(offset[n + 1]);
  for (auto* v : {&H_prev, &F_prev, &H_cur, &F_cur})
    if (v->size() < static_cast<size_t>(m + 2)) v->resize(m + 2);
  // Raw pointers: the traceback stores through uint8_t*, which may alias anything, so vector
  // members would be reloaded in the inner loop.
  int *hp = H_prev.data(), *fp = F_prev.data(), *hc = H_cur.data(), *fc = F_cur.data();
  const int open = sc.gap_open + sc.gap_extend, extend = sc.gap_extend;
  const int match = sc.match, mismatch = -sc.mismatch, n_score = -sc.n_penalty;
  int best = kNeg, best_i = 0, best_j = 0;

  // Row 0: the start cell, then deletions only.
  {
    uint8_t* tr = trace.data() + offset[0] - lo[0];
    hc[0] = 0;
    fc[0] = kNeg;
    tr[0] = 0;
    int e_left = kNeg;
    for (int j = 1; j <= hi[0]; ++j) {
      const int eh = hc[j - 1] - open, ee = e_left - extend;
      const int e = std::max(eh, ee);
      hc[j] = e;
      fc[j] = kNeg;
      tr[j] = static_cast<uint8_t>(1 | (ee >= eh ? 4 : 0));
      e_left = e;
    }
    if (!global)
      for (int j = 0; j <= hi[0]; ++j)
        if (hc[j] > best) best = hc[j], best_i = 0, best_j = j;
    std::swap(hp, hc);
    std::swap(fp, fc);
  }
  for (int i = 1; i <= n; ++i) {
    const int row_lo = lo[i], row_hi = hi[i], prev_lo = lo[i - 1], prev_hi = hi[i - 1];
    for (int j = std::max(0, row_lo - 1); j < prev_lo; ++j) hp[j] = fp[j] = kNeg;
    for (int j = std::max({prev_hi + 1, row_lo - 1, 0}); j <= row_hi; ++j) hp[j] = fp[j] = kNeg;
    uint8_t* tr = trace.data() + offset[i] - row_lo;
    const char base = read[i - 1];
    int h_left = kNeg, e_left = kNeg;
    for (int j = row_lo; j <= row_hi; ++j) {
      const int eh = h_left - open, ee = e_left - extend;
      const int e = eh > ee ? eh : ee;
      const int fh = hp[j] - open, ff = fp[j] - extend;
      const int f = fh > ff ? fh : ff;
      int d = kNeg;
      if (j > 0) {
        const char t_base = target[j - 1];
        d = hp[j - 1] + (base == 'N' || t_base == 'N' ? n_score : base == t_base ? match : mismatch);
      }
      uint8_t t = static_cast<uint8_t>((ee >= eh ? 4 : 0) | (ff >= fh ? 8 : 0));
      int h = d;
      if (e > h) h = e, t |= 1;
      if (f > h) h = f, t = static_cast<uint8_t>((t & ~3) | 2);
      hc[j] = h;
      fc[j] = f;
      tr[j] = t;
      h_left = h;
      e_left = e;
      if (!global && h > best) best = h, best_i = i, best_j = j;
    }
    std::swap(hp, hc);
    std::swap(fp, fc);
  }
  if (global) {
    best_i = n;
    best_j = m;
    best = hp[m];
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
