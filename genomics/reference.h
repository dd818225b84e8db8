// A reference genome in memory: contigs with upper-case ACGTN sequence (IUPAC codes become N),
// loaded through htslib from FASTA (plain or gz), with a CRC32 per contig to tie indexes to it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spindle {

struct Contig {
  std::string name;
  std::string seq;
  uint32_t crc32 = 0;
};

struct Reference {
  std::vector<Contig> contigs;
  uint64_t total_length() const;
};

// Reads every record of a FASTA file. Throws Error for an empty file, duplicate names, an empty
// sequence or invalid characters.
Reference load_reference(const std::string& path);

uint32_t sequence_crc32(std::string_view seq);

}  // namespace spindle
