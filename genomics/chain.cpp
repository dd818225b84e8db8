#include "genomics/chain.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace spindle {

std::vector<Chain> chain_anchors(std::vector<Anchor>& anchors, const ChainOptions& o) {
  std::sort(anchors.begin(), anchors.end(), [](const Anchor& a, const Anchor& b) {
    if (a.strand != b.strand) return a.strand < b.strand;
    if (a.ref != b.ref) return a.ref < b.ref;
    return a.query < b.query;
  });
  const int64_t n = static_cast<int64_t>(anchors.size());
  std::vector<double> score(n);
  std::vector<int64_t> previous(n, -1);
  for (int64_t i = 0; i < n; ++i) {
    const Anchor& a = anchors[i];
    score[i] = o.k;
    for (int64_t j = i - 1; j >= 0 && j >= i - o.lookback; --j) {
      const Anchor& b = anchors[j];
      if (b.strand != a.strand) break;
      const int64_t dr = a.ref - b.ref, dq = int64_t(a.query) - b.query;
      if (dr > o.max_gap) break;  // sorted by reference: every earlier one is further
      if (dr <= 0 || dq <= 0 || dq > o.max_gap || b.contig != a.contig) continue;
      const int64_t shift = std::llabs(dr - dq);
      if (shift > o.bandwidth) continue;
      // minimap2's cost: 0.01 k per base of diagonal shift plus half its log, gains capped at k
      // bases (overlapping anchors share bases).
      const double cost = shift == 0 ? 0.0 : 0.01 * o.k * double(shift) + 0.5 * std::log2(double(shift));
      const double s = score[j] + double(std::min<int64_t>({dq, dr, o.k})) - cost;
      if (s > score[i]) {
        score[i] = s;
        previous[i] = j;
      }
    }
  }
  // Best ends first; each anchor belongs to one chain; a chain that runs into one taken before
  // keeps only its own part (and its own part of the score).
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return score[a] > score[b]; });
  std::vector<char> used(n, 0);
  std::vector<Chain> chains;
  for (int64_t end : order) {
    if (used[end]) continue;
    std::vector<int64_t> members;
    int64_t i = end;
    while (i >= 0 && !used[i]) {
      members.push_back(i);
      used[i] = 1;
      i = previous[i];
    }
    const double own = score[end] - (i >= 0 ? score[i] : 0.0);
    if (own < o.min_score || static_cast<int>(members.size()) < o.min_anchors) continue;
    Chain c;
    c.score = static_cast<int>(own);
    for (auto it = members.rbegin(); it != members.rend(); ++it) c.anchors.push_back(anchors[*it]);
    c.strand = c.anchors.front().strand;
    c.contig = c.anchors.front().contig;
    c.query_begin = c.anchors.front().query;
    c.query_end = c.anchors.back().query + o.k;
    c.ref_begin = c.anchors.front().ref;
    c.ref_end = c.anchors.back().ref + o.k;
    chains.push_back(std::move(c));
    if (static_cast<int>(chains.size()) >= o.max_chains) break;
  }
  return chains;
}

}  // namespace spindle
