#include "genomics/window_layout.h"

#include <algorithm>
#include <string>

#include "base/error.h"

namespace spindle {

WindowLayout::WindowLayout(const std::vector<int64_t>& contig_lengths, int window_bp, int stride_bp)
    : lengths_(contig_lengths), window_bp_(window_bp), stride_bp_(stride_bp) {
  if (window_bp < 16 || stride_bp < 1 || stride_bp > window_bp)
    throw Error("reference index: need window >= 16 and 1 <= stride <= window (got window " +
                std::to_string(window_bp) + ", stride " + std::to_string(stride_bp) + ")");
  first_.push_back(0);
  for (size_t c = 0; c < lengths_.size(); ++c)
    first_.push_back(first_.back() + regular_windows(static_cast<int32_t>(c)) + 1);
}

int64_t WindowLayout::regular_windows(int32_t contig) const {
  // Starts s = 0, S, 2S, ... with s + W < length; one more window then ends at the contig end.
  const int64_t len = lengths_[contig];
  return len > window_bp_ ? (len - window_bp_ + stride_bp_ - 1) / stride_bp_ : 0;
}

Window WindowLayout::window(int64_t id) const {
  const auto it = std::upper_bound(first_.begin(), first_.end(), id);
  const int32_t contig = static_cast<int32_t>(it - first_.begin()) - 1;
  const int64_t j = id - first_[contig];
  const int64_t len = lengths_[contig];
  if (j < regular_windows(contig)) return {contig, j * stride_bp_, j * stride_bp_ + window_bp_};
  return {contig, std::max<int64_t>(0, len - window_bp_), len};
}

int64_t WindowLayout::window_at(int32_t contig, int64_t pos) const {
  const int64_t j = std::min(std::max<int64_t>(0, pos) / stride_bp_, regular_windows(contig));
  return first_[contig] + j;
}

std::vector<int64_t> contig_lengths(const PackedReference& ref) {
  std::vector<int64_t> lengths;
  for (auto& c : ref.contigs()) lengths.push_back(c.length);
  return lengths;
}

}  // namespace spindle
