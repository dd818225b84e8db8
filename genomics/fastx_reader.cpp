#include "genomics/fastx_reader.h"

#include <htslib/bgzf.h>
#include <htslib/kseq.h>

#include <algorithm>

#include "base/error.h"

namespace spindle {
namespace {

// kseq treats a short read as end of stream; a decompression error must not be mistaken for a
// clean end, so the reader records it and next() turns it into an Error.
struct BgzfSource {
  BGZF* fp = nullptr;
  bool failed = false;
};

int read_source(BgzfSource* src, void* buf, int len) {
  ssize_t n = bgzf_read(src->fp, buf, static_cast<size_t>(len));
  if (n < 0) {
    src->failed = true;
    return 0;
  }
  return static_cast<int>(n);
}

KSEQ_INIT(BgzfSource*, read_source)

}  // namespace

struct FastxReader::Impl {
  BgzfSource source;
  kseq_t* seq = nullptr;
  bool saw_fastq = false;  // a record with a quality line was read
  ~Impl() {
    if (seq) kseq_destroy(seq);
    if (source.fp) bgzf_close(source.fp);
  }
};

FastxReader::FastxReader(const std::string& path, BasePolicy policy)
    : impl_(std::make_unique<Impl>()), path_(path), policy_(policy) {
  impl_->source.fp = bgzf_open(path.c_str(), "r");
  if (!impl_->source.fp) throw Error(path + ": cannot open for reading");
  impl_->seq = kseq_init(&impl_->source);
}

FastxReader::~FastxReader() = default;

bool FastxReader::next(SeqRecord& rec) {
  const int header_before = impl_->seq->last_char;  // '>' or '@' when already read, else 0
  int r = kseq_read(impl_->seq);
  const std::string where = path_ + ": record " + std::to_string(count_ + 1);
  if (impl_->source.failed) throw Error(path_ + ": truncated or corrupt compressed data near record " +
                                        std::to_string(count_ + 1));
  if (r == -1) {
    if (count_ == 0) throw Error(path_ + ": no FASTA/FASTQ records (empty file?)");
    return false;
  }
  if (r == -2) throw Error(where + ": quality string missing or of a different length than the sequence");
  if (r < 0) throw Error(where + ": malformed record");
  kseq_t* s = impl_->seq;
  // kseq returns a FASTQ record cut before its '+' line as if it were FASTA (no quality; it leaves
  // last_char non-zero only on that path). Its header was '@' when we know it, and in any case a
  // FASTQ file (one that had quality lines) has no FASTA records.
  if (s->qual.l == 0 && s->last_char != 0) {
    const bool at_eof = ks_eof(s->f);
    const int header = header_before ? header_before : (at_eof ? s->last_char : 0);
    if (header == '@' || impl_->saw_fastq)
      throw Error(where + " (" + std::string(s->name.s, s->name.l) +
                  "): FASTQ record has no '+' quality line (file truncated?)");
  }
  if (s->qual.l) impl_->saw_fastq = true;
  rec.name.assign(s->name.s, s->name.l);
  rec.comment.assign(s->comment.l ? s->comment.s : "", s->comment.l);
  rec.seq.assign(s->seq.s, s->seq.l);
  rec.qual.assign(s->qual.l ? s->qual.s : "", s->qual.l);
  if (rec.name.empty()) throw Error(where + ": empty record name");
  normalize_bases(rec.seq, policy_, path_, rec.name);
  ++count_;
  return true;
}

void normalize_bases(std::string& seq, BasePolicy policy, const std::string& file, const std::string& record) {
  if (policy == BasePolicy::as_is) return;
  for (char& c : seq) {
    char u = static_cast<char>(c & ~0x20);  // ASCII upper case for letters
    switch (u) {
      case 'A': case 'C': case 'G': case 'T': case 'N':
        c = u;
        continue;
      case 'U': case 'R': case 'Y': case 'K': case 'M': case 'S': case 'W': case 'B': case 'D':
      case 'H': case 'V':
        if (policy == BasePolicy::iupac_to_n) {
          c = 'N';
          continue;
        }
        break;
      default:
        break;
    }
    std::string shown = (c >= 33 && c < 127) ? std::string(1, c) : "\\x" + std::to_string(static_cast<unsigned char>(c));
    throw Error(file + ": record " + record + ": invalid base '" + shown + "' (expected A, C, G, T or N)");
  }
}

}  // namespace spindle
