// SamWriter: alignment records to SAM, BAM or CRAM through htslib, chosen by the output name's
// extension (".bam", ".cram", anything else SAM); "-" writes SAM to stdout. Files are written to a
// temporary path and renamed by close(), so a failed run leaves nothing behind.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "genomics/packed_reference.h"

namespace spindle {

struct SamHeaderInfo {
  std::string program_version;    // @PG VN
  std::string command_line;       // @PG CL
  std::string read_group;         // full @RG line (tabs, not "\t"), "" for none
  std::string reference_fasta;    // faidx-indexed FASTA for CRAM ("" unless CRAM)
};

// One SAM record, as the aligner fills it. Sequence/qualities are as read (forward strand of the
// read); the writer reverse-complements them when `flag & 0x10`.
struct SamRecord {
  std::string name;
  uint16_t flag = 0;
  int32_t tid = -1;
  int64_t pos = -1;  // 0-based
  uint8_t mapq = 0;
  std::vector<uint32_t> cigar;
  int32_t mate_tid = -1;
  int64_t mate_pos = -1;
  int64_t insert_size = 0;
  const std::string* seq = nullptr;
  const std::string* qual = nullptr;  // phred+33 or empty
  // Optional tags; negative = absent.
  int nm = -1, as = -1, xs = -1;
  std::string md;
  std::string mate_cigar;  // MC tag, "" = absent
  std::string sa;          // SA tag (other parts of a split alignment), "" = absent
};

// Parses a user @RG line, accepting literal "\t" for tabs; returns the line with real tabs and
// stores its ID in *id. Throws UsageError when it does not start with @RG or lacks ID.
std::string parse_read_group(const std::string& text, std::string* id);

class SamWriter {
 public:
  SamWriter(const std::string& path, const PackedReference& ref, const SamHeaderInfo& info, int threads);
  ~SamWriter();
  SamWriter(const SamWriter&) = delete;
  SamWriter& operator=(const SamWriter&) = delete;
  void write(const SamRecord& record);
  // Flushes, closes and renames into place. Throws Error on I/O failure.
  void close();
  uint64_t records_written() const { return written_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t written_ = 0;
};

}  // namespace spindle
