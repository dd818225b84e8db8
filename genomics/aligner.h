// The Embed-Search-Align aligner: embed reads with the index's encoder, search the top-k nearest
// reference windows in the FAISS vector store, align the read to each candidate window (plus
// flanks) with SIMD dynamic programming on both strands, pick the best, and derive MAPQ from the
// best and second-best scores. Paired-end reads are paired by insert-size consistency, with mate
// rescue (DP of a mate near its partner) when the search missed it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "genomics/candidate_finder.h"
#include "genomics/dp_align.h"
#include "genomics/fastx_reader.h"
#include "genomics/ref_index.h"
#include "genomics/sam_writer.h"

namespace spindle {

// How candidate windows reach the embedding ranking.
//  sparse:     the read's minimizers are looked up in the reference's minimizer index; the windows
//              they point to are scored against the read by the vector store (score_ids) and the
//              best go to DP. Cost per read independent of the reference size (the default).
//  exhaustive: the vector store scores every window (a full Int8Flat/FAISS search per read).
enum class CandidateSearch { sparse, exhaustive };

struct AlignerOptions {
  CandidateSearch search = CandidateSearch::sparse;
  CandidateOptions candidates;   // sparse: first look-up
  // sparse, second look-up, for reads with no or a poor alignment and for reads in repeats (a
  // quarter or more of their minimizers skipped): repeats up to 4096 occurrences count, and up
  // to 512 windows are scored by the vector store (an Alu read's true copy may have fewer
  // minimizer votes than hundreds of other copies, yet the best cosine).
  CandidateOptions wide_candidates = {.max_occurrences = 4096, .max_hits = 1024, .max_windows = 256};
  // Windows by cosine that go to DP for a read in a repeat in the second look-up (the copies that
  // make its MAPQ low).
  int repeat_top_k = 8;
  // Reads that still have no candidate are searched exhaustively when the index has at most this
  // many windows (about 40 Mb at stride 150): a bounded fallback for small genomes, where it costs
  // at most ~70 us per such read; above it those reads stay unmapped.
  int64_t exhaustive_fallback_max_windows = 262144;
  int top_k = 8;                 // candidate windows per read that go on to DP
  float min_cosine_ratio = 0.5f; // candidates below this fraction of the best cosine are noise
  int min_score = 30;            // alignments scoring less are reported unmapped (bwa -T)
  // Reads whose best score is below retry_below x read length (or that found nothing) are
  // searched again with retry_top_k candidates.
  int retry_top_k = 64;
  float retry_below = 0.8f;
  DpScoring scoring;
  // Paired-end: proper-pair insert range; 0/0 = estimate from the first batch.
  int64_t min_insert = 0, max_insert = 0;
  int unpaired_penalty = 17;     // a pair placed apart must beat the best proper pair by this
};

// Insert size distribution estimated from confidently, uniquely mapped pairs.
struct InsertModel {
  bool known = false;
  int64_t pairs = 0;        // pairs the estimate is based on
  double mean = 0, sd = 0;
  int64_t low = 0, high = 0;  // proper-pair range
};

// Alignments of one read before it becomes a SAM record.
struct ReadHit {
  int32_t contig = -1;
  int64_t region_begin = 0, region_end = 0;  // DP target on the contig
  int strand = 0;                            // 0 forward, 1 reverse
  DpHit dp;
  int64_t approx_pos = 0;                    // leftmost reference base, from the DP end point
};

class Aligner {
 public:
  Aligner(const RefIndex& index, AlignerOptions options);
  ~Aligner();

  // Aligns single-end reads; appends one SamRecord per read (in order) pointing into `reads`.
  void align_single(const std::vector<SeqRecord>& reads, std::vector<SamRecord>& out);
  // Aligns pairs (mates1[i], mates2[i]); appends two records per pair, read 1 first.
  void align_pairs(const std::vector<SeqRecord>& mates1, const std::vector<SeqRecord>& mates2,
                   std::vector<SamRecord>& out);
  const InsertModel& insert_model() const { return insert_; }

  // Candidate hits of each read (vector search + DP scoring), best first, duplicates removed.
  std::vector<std::vector<ReadHit>> candidate_hits(const std::vector<const SeqRecord*>& reads);

  // Where the time went and how reads were found, summed over every call so far.
  struct Stats {
    double candidate_cpu_s = 0;  // embedding, minimizer look-ups, vector ranking (thread seconds)
    double dp_cpu_s = 0;         // dynamic programming of the candidates (thread seconds)
    uint64_t reads = 0;
    uint64_t retried = 0;        // reads given the second, wider candidate search
    uint64_t exhaustive = 0;     // reads that fell back to the exhaustive vector search
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  const RefIndex& index_;
  AlignerOptions options_;
  InsertModel insert_;
};

// bwa-mem-style mapping quality from the best score, the second best (-1: none), the aligned
// length and the match score.
int mapping_quality(int best, int second, int aligned_len, const DpScoring& scoring, int min_score);

// Estimates the insert model from fragment lengths (at least 20 needed; otherwise known=false).
InsertModel estimate_insert_model(std::vector<int64_t> fragment_lengths);

}  // namespace spindle
