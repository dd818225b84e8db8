#include "genomics/sam_writer.h"

#include <htslib/sam.h>

#include <algorithm>

#include "base/error.h"
#include "base/output_file.h"
#include "genomics/fastx_reader.h"
#include "models/sequence.h"

namespace spindle {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && std::equal(suffix.rbegin(), suffix.rend(), s.rbegin());
}

std::string sanitize_header_value(std::string s) {
  std::replace(s.begin(), s.end(), '\t', ' ');
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

std::string parse_read_group(const std::string& text, std::string* id) {
  std::string line;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 't') {
      line += '\t';
      ++i;
    } else {
      line += text[i];
    }
  }
  if (line.rfind("@RG\t", 0) != 0) throw UsageError("-R: read group must start with '@RG\\t', got '" + text + "'");
  if (line.find('\n') != std::string::npos) throw UsageError("-R: read group must be one line");
  size_t p = line.find("\tID:");
  if (p == std::string::npos) throw UsageError("-R: read group lacks an ID field: '" + text + "'");
  size_t e = line.find('\t', p + 4);
  *id = line.substr(p + 4, e == std::string::npos ? std::string::npos : e - p - 4);
  if (id->empty()) throw UsageError("-R: read group ID is empty");
  return line;
}

struct SamWriter::Impl {
  std::string path;
  std::unique_ptr<TempPath> temp;
  htsFile* fp = nullptr;
  sam_hdr_t* header = nullptr;
  bam1_t* record = bam_init1();
  std::string rg_id;
  std::string seq_buf, qual_buf;
  ~Impl() {
    if (record) bam_destroy1(record);
    if (fp) hts_close(fp);
    if (header) sam_hdr_destroy(header);
  }
};

SamWriter::SamWriter(const std::string& path, const PackedReference& ref, const SamHeaderInfo& info, int threads)
    : impl_(std::make_unique<Impl>()) {
  auto& im = *impl_;
  im.path = path;
  const char* mode = "w";
  if (ends_with(path, ".bam")) mode = "wb";
  else if (ends_with(path, ".cram")) mode = "wc";
  std::string open_path = path;
  if (path != "-") {
    im.temp = std::make_unique<TempPath>(path);
    open_path = im.temp->path();
  }
  im.fp = hts_open(open_path.c_str(), mode);
  if (!im.fp) throw Error(path + ": cannot open for writing");
  if (mode[1] == 'c') {
    if (info.reference_fasta.empty()) throw Error(path + ": CRAM output needs the reference FASTA");
    if (hts_set_fai_filename(im.fp, info.reference_fasta.c_str()) != 0)
      throw Error(path + ": cannot use reference " + info.reference_fasta + " for CRAM");
  }
  if (threads > 1 && mode[1] != '\0') hts_set_threads(im.fp, threads);

  std::string text = "@HD\tVN:1.6\tSO:unsorted\n";
  for (auto& c : ref.contigs()) text += "@SQ\tSN:" + c.name + "\tLN:" + std::to_string(c.length) + "\n";
  if (!info.read_group.empty()) {
    std::string id;
    text += parse_read_group(info.read_group, &id) + "\n";
    im.rg_id = id;
  }
  text += "@PG\tID:spindle\tPN:spindle\tVN:" + sanitize_header_value(info.program_version) +
          "\tCL:" + sanitize_header_value(info.command_line) + "\n";
  im.header = sam_hdr_parse(text.size(), text.c_str());
  if (!im.header) throw Error(path + ": cannot build SAM header (invalid @RG?)");
  if (sam_hdr_write(im.fp, im.header) != 0) throw Error(path + ": cannot write SAM header");
}

SamWriter::~SamWriter() = default;

void SamWriter::write(const SamRecord& r) {
  auto& im = *impl_;
  const bool reverse = r.flag & 0x10;
  const std::string& seq = *r.seq;
  im.seq_buf = reverse ? reverse_complement(seq) : seq;
  const char* qual = nullptr;
  if (r.qual && !r.qual->empty()) {
    im.qual_buf.resize(r.qual->size());
    for (size_t i = 0; i < r.qual->size(); ++i) {
      char q = (*r.qual)[reverse ? r.qual->size() - 1 - i : i];
      im.qual_buf[i] = static_cast<char>(std::max(0, q - 33));
    }
    qual = im.qual_buf.data();
  }
  int rc = bam_set1(im.record, r.name.size(), r.name.c_str(), r.flag, r.tid, r.pos, r.mapq, r.cigar.size(),
                    r.cigar.empty() ? nullptr : r.cigar.data(), r.mate_tid, r.mate_pos, r.insert_size,
                    im.seq_buf.size(), im.seq_buf.data(), qual, 64);
  if (rc < 0) throw Error(im.path + ": cannot encode record " + r.name);
  bam1_t* b = im.record;
  if (r.nm >= 0) bam_aux_update_int(b, "NM", r.nm);
  if (!r.md.empty()) bam_aux_update_str(b, "MD", r.md.size() + 1, r.md.c_str());
  if (!r.mate_cigar.empty()) bam_aux_update_str(b, "MC", r.mate_cigar.size() + 1, r.mate_cigar.c_str());
  if (r.as >= 0) bam_aux_update_int(b, "AS", r.as);
  if (!r.sa.empty()) bam_aux_update_str(b, "SA", r.sa.size() + 1, r.sa.c_str());
  if (r.xs >= 0) bam_aux_update_int(b, "XS", r.xs);
  if (!im.rg_id.empty()) bam_aux_update_str(b, "RG", im.rg_id.size() + 1, im.rg_id.c_str());
  if (sam_write1(im.fp, im.header, b) < 0) throw Error(im.path + ": write failed");
  ++written_;
}

void SamWriter::close() {
  auto& im = *impl_;
  if (!im.fp) return;
  int rc = hts_close(im.fp);
  im.fp = nullptr;
  if (rc != 0) throw Error(im.path + ": write failed while closing");
  if (im.temp) im.temp->commit();
}

}  // namespace spindle
