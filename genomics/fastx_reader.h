// FASTA/FASTQ reading through htslib (BGZF/hFILE: plain, gzip, bgzip, or "-" for stdin).
// Every record is validated: bases must be A, C, G, T or N (case-insensitive, stored upper case);
// a truncated or corrupt gzip stream, a FASTQ record whose quality length differs from its
// sequence, or an empty file throw spindle::Error naming the file and the record.
#pragma once

#include <memory>
#include <string>

namespace spindle {

struct SeqRecord {
  std::string name;     // up to the first whitespace
  std::string comment;  // rest of the header line ("" when absent)
  std::string seq;      // upper-case ACGTN
  std::string qual;     // phred+33, "" for FASTA
};

// How non-ACGTN letters are treated: reads reject them; references map IUPAC ambiguity codes to N;
// as_is keeps every letter unchanged (proteins, or `spindle embed`, which counts and reports them).
enum class BasePolicy { strict_acgtn, iupac_to_n, as_is };

class FastxReader {
 public:
  // Opens `path` ("-" = stdin). Throws Error if it cannot be opened.
  explicit FastxReader(const std::string& path, BasePolicy policy = BasePolicy::strict_acgtn);
  ~FastxReader();
  FastxReader(const FastxReader&) = delete;
  FastxReader& operator=(const FastxReader&) = delete;

  // Reads the next record into `rec`; false at end of file. Throws Error on malformed input,
  // and on an empty file at the first call.
  bool next(SeqRecord& rec);
  const std::string& path() const { return path_; }
  // Records returned so far.
  long long count() const { return count_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  BasePolicy policy_;
  long long count_ = 0;
};

// Upper-cases `seq` in place and checks it against `policy`; throws Error("<file>: record <name>: ...").
void normalize_bases(std::string& seq, BasePolicy policy, const std::string& file, const std::string& record);


}  // namespace spindle
