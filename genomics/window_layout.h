// The reference windows of Embed-Search-Align, computed rather than stored: windows of window_bp
// at stride_bp over every contig, the last one of a contig aligned to the contig end. Window ids
// are dense, contig by contig, start by start (the vector store's ids). Holding only a first id
// per contig keeps a human genome's 20.7M windows out of memory (a Window each was 0.16 bytes per
// base).
#pragma once

#include <cstdint>
#include <vector>

#include "genomics/packed_reference.h"

namespace spindle {

struct Window {
  int32_t contig = 0;
  int64_t start = 0;  // 0-based
  int64_t end = 0;    // one past
};

class WindowLayout {
 public:
  WindowLayout() = default;
  // Throws Error unless window_bp >= 16 and 1 <= stride_bp <= window_bp.
  WindowLayout(const std::vector<int64_t>& contig_lengths, int window_bp, int stride_bp);

  int64_t count() const { return first_.empty() ? 0 : first_.back(); }
  Window window(int64_t id) const;
  // The window holding position `pos` of `contig` that starts last at or before it (the window a
  // read starting at `pos` fits in best).
  int64_t window_at(int32_t contig, int64_t pos) const;
  int window_bp() const { return window_bp_; }
  int stride_bp() const { return stride_bp_; }

 private:
  int64_t regular_windows(int32_t contig) const;  // windows at multiples of the stride
  std::vector<int64_t> lengths_;
  std::vector<int64_t> first_;  // first window id of each contig, then the total
  int window_bp_ = 0, stride_bp_ = 0;
};

std::vector<int64_t> contig_lengths(const PackedReference& ref);

}  // namespace spindle
