// A reference genome held 2 bits per base: contigs (name, length, CRC32 of the ACGTN text) laid
// end to end in one global coordinate space, A/C/G/T packed four to a byte, and the N runs kept
// as a sorted list of intervals. A human genome (3.1 Gb) takes ~0.8 GB instead of 3.1 GB as text.
//
// Built by streaming a FASTA one record at a time (no buffer of the whole genome), written as one
// file (`reference.2bit` in an index directory), fetched back as ACGTN text region by region.
//
// File format (little-endian): magic "SPNDL2BT", u32 version 1, u64 contigs, then per contig
// u32 name length, name bytes, u64 length, u32 crc32; u64 N runs, then per run u64 begin, u64 end
// (global coordinates); u64 total bases, then ceil(total / 4) bytes of packed bases (base i in
// bits 2*(i%4) of byte i/4; N positions hold 0).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spindle {

struct PackedContig {
  std::string name;
  int64_t length = 0;
  int64_t offset = 0;  // global coordinate of its first base
  uint32_t crc32 = 0;  // of the upper-case ACGTN text (genomics/reference.h sequence_crc32)
};

class PackedReference {
 public:
  // Appends a contig; `seq` must be upper-case ACGTN (FastxReader with BasePolicy::iupac_to_n)
  // and `name` new (pack_fasta checks). Throws Error for an empty sequence (naming `source`).
  void append(const std::string& name, std::string_view seq, const std::string& source = "reference");
  // The same in pieces, for streaming: begin_contig, any number of extend (upper-case ACGTN), then
  // end_contig (throws Error naming `source` when the contig got no bases).
  void begin_contig(const std::string& name);
  void extend(std::string_view bases);
  void end_contig(const std::string& source = "reference");

  const std::vector<PackedContig>& contigs() const { return contigs_; }
  int64_t total_length() const { return total_; }
  int64_t contig_length(int32_t contig) const { return contigs_[contig].length; }
  // Bases that are A, C, G or T (total minus the N runs).
  int64_t acgt_bases() const;
  // Contig holding global position `pos` (binary search).
  int32_t contig_at(int64_t pos) const;

  // Writes [begin, end) of `contig` as upper-case ACGTN into `out` (resized); returns a view of it.
  std::string_view fetch(int32_t contig, int64_t begin, int64_t end, std::string& out) const;

  // Writes the file format above; throws Error naming `path` on I/O failure.
  // Returns the file's checksum (as file_checksum computes it), taken from the bytes as written.
  std::string save(const std::string& path) const;
  // Reads it back; throws Error naming `path` for a missing, truncated or malformed file, or (when
  // `expected_checksum` is given, as file_checksum writes it) one whose checksum differs: computed
  // while reading, so the file is read once.
  static PackedReference load(const std::string& path, const std::string& expected_checksum = "");
  // Bytes held in memory (packed bases + N runs + names), for reports.
  size_t memory_bytes() const;

 private:
  std::vector<PackedContig> contigs_;
  std::vector<uint8_t> packed_;  // 4 bases per byte
  std::vector<std::pair<int64_t, int64_t>> n_runs_;  // [begin, end), sorted, disjoint
  int64_t total_ = 0;
  uint32_t open_crc_ = 0;  // CRC32 so far of the contig being extended
};

// Streams the FASTA at `path` (plain/gz, "-" = stdin; IUPAC codes become N) into a PackedReference,
// line by line through htslib's BGZF, so no contig is ever held as text (a 250 Mb chromosome
// read as one record cost 2-3 bytes per base at its peak). `progress` (may be null) gets a line
// per contig. Throws Error for an empty file, a repeated name,
// a character that is not IUPAC, or a reference without a single A/C/G/T.
PackedReference pack_fasta(const std::string& path, void (*progress)(const std::string&) = nullptr);

}  // namespace spindle
