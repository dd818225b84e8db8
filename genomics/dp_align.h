// Dynamic-programming alignment of a read against a reference region: SIMD local alignment
// (parasail, striped 16-bit, affine gaps) to score candidates, then a traceback for the chosen
// one, with bwa-mem-style scoring (match 1, mismatch 4, gap 6 + 1 per base) and a clipping penalty:
// a clipped read end is re-extended ungapped when that scores better than the penalty, so reads
// with a mismatch near their end are not needlessly soft-clipped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace spindle {

struct DpScoring {
  int match = 1;
  int mismatch = 4;      // penalty (positive)
  int gap_open = 6;      // a gap of length L costs gap_open + L * gap_extend
  int gap_extend = 1;
  int n_penalty = 1;     // N against anything
  int clip_penalty = 5;  // cost of soft-clipping one end of the read
};

// Where a read aligns inside a target sequence.
struct DpHit {
  int score = 0;
  int target_end = -1;  // 0-based last target base of the local alignment
  int read_end = -1;    // 0-based last read base
  bool ungapped = false;  // found by ungapped_hit(): read_begin is exact, no traceback needed
  int read_begin = 0;
};

// k-mer votes for the read's diagonal (target position - read position) in a target, per strand.
struct DiagonalVotes {
  int diagonal[2] = {0, 0};
  int votes[2] = {0, 0};  // read k-mers (k = 12) hitting the best diagonal (+-2) on each strand
  // The best band at least half a read away from the first one (a tandem copy), per strand.
  int second_diagonal[2] = {0, 0};
  int second_votes[2] = {0, 0};
};

// A finished alignment of a read (already on the strand it aligns in) to a target.
struct DpAlignment {
  int score = 0;           // AS: score of the aligned part (clips cost nothing here, as in bwa)
  int target_begin = 0;    // 0-based first aligned target base
  int target_end = 0;      // one past the last aligned target base
  std::vector<uint32_t> cigar;  // BAM-encoded (len << 4 | op), soft clips included
  int edit_distance = 0;   // NM
  std::string md;          // MD tag
};

// Holds the SIMD profiles of one read (both strands, built when score() first needs them) and
// reusable buffers; one per thread (the const methods use its scratch space).
class DpAligner {
 public:
  explicit DpAligner(DpScoring scoring = {});
  ~DpAligner();
  DpAligner(const DpAligner&) = delete;
  DpAligner& operator=(const DpAligner&) = delete;

  // Prepares the read (upper-case ACGTN) and its reverse complement.
  void set_read(std::string_view read_forward, std::string_view read_reverse);
  // Best local alignment score of the read (strand 0 forward, 1 reverse) in `target`.
  DpHit score(int strand, std::string_view target) const;
  // Which strand and diagonal the read's 12-mers agree on in `target` (a cheap filter that spares
  // the full DP for the strand the read is not on).
  DiagonalVotes diagonal_votes(std::string_view target) const;
  // The best ungapped local alignment on `diagonal` (bases outside the target score as clipped).
  DpHit ungapped_hit(int strand, std::string_view target, int diagonal) const;
  // Full alignment of the read on `strand` ending near `hit` in `target`: traceback, clip
  // re-extension, CIGAR, NM, MD, AS.
  DpAlignment align(int strand, std::string_view target, const DpHit& hit) const;
  const DpScoring& scoring() const { return scoring_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  DpScoring scoring_;
};

// Computes AS, NM and MD of `cigar` (BAM-encoded) placing `read` at target[target_begin]. Exposed
// for tests and for callers that build CIGARs themselves.
void fill_alignment_tags(std::string_view read, std::string_view target, const DpScoring& scoring,
                         DpAlignment& alignment);

// "10S90M2I48M" from a BAM-encoded CIGAR.
std::string cigar_string(const std::vector<uint32_t>& cigar);

}  // namespace spindle
