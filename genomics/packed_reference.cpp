#include "genomics/packed_reference.h"

#include <htslib/bgzf.h>
#include <htslib/kstring.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <unordered_set>

#include "base/error.h"
#include "base/file_checksum.h"
#include "base/output_file.h"
#include "genomics/fastx_reader.h"
#include "genomics/kmers.h"
#include "genomics/reference.h"

namespace spindle {
namespace {

constexpr char kMagic[8] = {'S', 'P', 'N', 'D', 'L', '2', 'B', 'T'};
constexpr uint32_t kFileVersion = 1;

struct BgzfCloser {
  void operator()(BGZF* fp) const { bgzf_close(fp); }
};

struct OwnedKString {
  kstring_t s = {0, 0, nullptr};
  ~OwnedKString() { std::free(s.s); }
};

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

class Reader {
 public:
  Reader(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "rb")) {
    if (!f_) throw Error(path + ": cannot open packed reference");
  }
  void bytes(void* out, size_t n) {
    if (n && std::fread(out, 1, n, f_.get()) != n) throw Error(path_ + ": truncated packed reference");
    checksum_.update(out, n);
  }
  // After the last field: nothing may follow, and the bytes read must have `expected` checksum.
  void finish(const std::string& expected) {
    char extra;
    if (std::fread(&extra, 1, 1, f_.get()) != 0) throw Error(path_ + ": trailing bytes after the packed reference");
    if (!expected.empty() && checksum_.text() != expected)
      throw Error(path_ + ": checksum differs from the manifest (index damaged): rebuild it with `spindle index ref`");
  }
  template <typename T>
  T value() {
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  // A count read from the file, refused when it could not fit the file (a corrupt header must not
  // turn into a huge allocation).
  uint64_t count(uint64_t limit, const char* what) {
    uint64_t n = value<uint64_t>();
    if (n > limit) throw Error(path_ + ": corrupt packed reference (" + what + " " + std::to_string(n) + ")");
    return n;
  }

 private:
  std::string path_;
  std::unique_ptr<FILE, FileCloser> f_;
  RunningChecksum checksum_;
};

}  // namespace

void PackedReference::append(const std::string& name, std::string_view seq, const std::string& source) {
  begin_contig(name);
  extend(seq);
  end_contig(source);
}

void PackedReference::begin_contig(const std::string& name) {
  PackedContig contig;
  contig.name = name;
  contig.offset = total_;
  contigs_.push_back(std::move(contig));
  open_crc_ = sequence_crc32({});
}

void PackedReference::extend(std::string_view bases) {
  SPINDLE_ASSERT(!contigs_.empty());
  const int64_t end = total_ + static_cast<int64_t>(bases.size());
  const size_t bytes = static_cast<size_t>((end + 3) / 4);
  // Grow by a quarter at a time: doubling would briefly hold 3x the packed genome.
  if (bytes > packed_.capacity()) packed_.reserve(std::max(bytes, packed_.capacity() + packed_.capacity() / 4 + (1u << 20)));
  packed_.resize(bytes, 0);
  for (size_t i = 0; i < bases.size(); ++i) {
    const int64_t pos = total_ + static_cast<int64_t>(i);
    const int b = base_code(bases[i]);
    if (b < 0) {
      if (!n_runs_.empty() && n_runs_.back().second == pos) ++n_runs_.back().second;
      else n_runs_.emplace_back(pos, pos + 1);
      continue;
    }
    packed_[pos >> 2] |= static_cast<uint8_t>(b << (2 * (pos & 3)));
  }
  open_crc_ = static_cast<uint32_t>(
      crc32_combine(open_crc_, sequence_crc32(bases), static_cast<z_off_t>(bases.size())));
  total_ = end;
  contigs_.back().length += static_cast<int64_t>(bases.size());
}

void PackedReference::end_contig(const std::string& source) {
  SPINDLE_ASSERT(!contigs_.empty());
  if (contigs_.back().length == 0) throw Error(source + ": record " + contigs_.back().name + ": empty sequence");
  contigs_.back().crc32 = open_crc_;
}

int64_t PackedReference::acgt_bases() const {
  int64_t n = total_;
  for (auto& [b, e] : n_runs_) n -= e - b;
  return n;
}

int32_t PackedReference::contig_at(int64_t pos) const {
  auto it = std::upper_bound(contigs_.begin(), contigs_.end(), pos,
                             [](int64_t p, const PackedContig& c) { return p < c.offset; });
  return static_cast<int32_t>(it - contigs_.begin()) - 1;
}

std::string_view PackedReference::fetch(int32_t contig, int64_t begin, int64_t end, std::string& out) const {
  const PackedContig& c = contigs_[contig];
  begin = std::clamp<int64_t>(begin, 0, c.length);
  end = std::clamp<int64_t>(end, begin, c.length);
  out.resize(static_cast<size_t>(end - begin));
  static constexpr char kLetters[4] = {'A', 'C', 'G', 'T'};
  const int64_t g0 = c.offset + begin, g1 = c.offset + end;
  for (int64_t g = g0; g < g1; ++g) out[g - g0] = kLetters[(packed_[g >> 2] >> (2 * (g & 3))) & 3];
  // Paint the N runs that overlap the region.
  auto it = std::upper_bound(n_runs_.begin(), n_runs_.end(), std::make_pair(g0, INT64_MAX));
  if (it != n_runs_.begin()) --it;
  for (; it != n_runs_.end() && it->first < g1; ++it) {
    const int64_t b = std::max(it->first, g0), e = std::min(it->second, g1);
    if (b < e) std::memset(out.data() + (b - g0), 'N', static_cast<size_t>(e - b));
  }
  return out;
}

std::string PackedReference::save(const std::string& path) const {
  OutputFile out(path);
  RunningChecksum checksum;
  auto put = [&](const void* p, size_t n) {
    out.write(p, n);
    checksum.update(p, n);
  };
  auto put_u32 = [&](uint32_t v) { put(&v, 4); };
  auto put_u64 = [&](uint64_t v) { put(&v, 8); };
  put(kMagic, 8);
  put_u32(kFileVersion);
  put_u64(contigs_.size());
  for (auto& c : contigs_) {
    put_u32(static_cast<uint32_t>(c.name.size()));
    put(c.name.data(), c.name.size());
    put_u64(static_cast<uint64_t>(c.length));
    put_u32(c.crc32);
  }
  put_u64(n_runs_.size());
  for (auto& [b, e] : n_runs_) {
    put_u64(static_cast<uint64_t>(b));
    put_u64(static_cast<uint64_t>(e));
  }
  put_u64(static_cast<uint64_t>(total_));
  put(packed_.data(), packed_.size());
  out.commit();
  return checksum.text();
}

PackedReference PackedReference::load(const std::string& path, const std::string& expected_checksum) {
  Reader in(path);
  char magic[8];
  in.bytes(magic, 8);
  if (std::memcmp(magic, kMagic, 8) != 0) throw Error(path + ": not a spindle packed reference (bad magic)");
  const uint32_t version = in.value<uint32_t>();
  if (version != kFileVersion)
    throw Error(path + ": packed reference version " + std::to_string(version) + ", this spindle reads " +
                std::to_string(kFileVersion));
  PackedReference ref;
  const uint64_t n_contigs = in.count(1ull << 32, "contigs");
  for (uint64_t i = 0; i < n_contigs; ++i) {
    PackedContig c;
    const uint32_t name_len = in.value<uint32_t>();
    if (name_len == 0 || name_len > 65536) throw Error(path + ": corrupt packed reference (contig name)");
    c.name.resize(name_len);
    in.bytes(c.name.data(), name_len);
    c.length = static_cast<int64_t>(in.count(1ull << 40, "contig length"));
    c.crc32 = in.value<uint32_t>();
    c.offset = ref.total_;
    ref.total_ += c.length;
    ref.contigs_.push_back(std::move(c));
  }
  const uint64_t n_runs = in.count(static_cast<uint64_t>(ref.total_), "N runs");
  ref.n_runs_.resize(n_runs);
  int64_t last_end = 0;
  for (auto& [b, e] : ref.n_runs_) {
    b = static_cast<int64_t>(in.value<uint64_t>());
    e = static_cast<int64_t>(in.value<uint64_t>());
    if (b < last_end || e <= b || e > ref.total_) throw Error(path + ": corrupt packed reference (N runs)");
    last_end = e;
  }
  if (static_cast<int64_t>(in.value<uint64_t>()) != ref.total_)
    throw Error(path + ": corrupt packed reference (total length)");
  ref.packed_.resize(static_cast<size_t>((ref.total_ + 3) / 4));
  in.bytes(ref.packed_.data(), ref.packed_.size());
  in.finish(expected_checksum);
  return ref;
}

size_t PackedReference::memory_bytes() const {
  size_t names = 0;
  for (auto& c : contigs_) names += sizeof(PackedContig) + c.name.size();
  return packed_.size() + n_runs_.size() * sizeof(n_runs_[0]) + names;
}

PackedReference pack_fasta(const std::string& path, void (*progress)(const std::string&)) {
  BGZF* fp = bgzf_open(path.c_str(), "r");
  if (!fp) throw Error(path + ": cannot open for reading");
  std::unique_ptr<BGZF, BgzfCloser> closer(fp);
  PackedReference ref;
  std::unordered_set<std::string> names;
  OwnedKString owned_line;
  kstring_t& line = owned_line.s;
  std::string bases;
  int64_t line_no = 0;
  bool open = false;
  auto finish = [&] {
    if (!open) return;
    ref.end_contig(path);
    if (progress)
      progress("read " + ref.contigs().back().name + " (" + std::to_string(ref.contigs().back().length) + " bp), " +
               std::to_string(ref.total_length()) + " bp so far");
  };
  for (;;) {
    const int r = bgzf_getline(fp, '\n', &line);
    if (r == -1) break;
    if (r < -1) throw Error(path + ": truncated or corrupt compressed data near line " + std::to_string(line_no + 1));
    ++line_no;
    std::string_view text(line.s, line.l);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (!text.empty() && text[0] == '>') {
      finish();
      const size_t end = text.find_first_of(" \t", 1);
      const std::string name(text.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
      if (name.empty()) throw Error(path + ": line " + std::to_string(line_no) + ": empty sequence name");
      if (!names.insert(name).second) throw Error(path + ": duplicate sequence name " + name);
      ref.begin_contig(name);
      open = true;
      continue;
    }
    if (text.empty()) continue;
    if (!open)
      throw Error(path + ": line " + std::to_string(line_no) + ": not FASTA (a reference must start with a '>' header)");
    bases.assign(text);
    normalize_bases(bases, BasePolicy::iupac_to_n, path, ref.contigs().back().name);
    ref.extend(bases);
  }
  finish();
  if (ref.contigs().empty()) throw Error(path + ": no FASTA records (empty file?)");
  if (ref.acgt_bases() == 0) throw Error(path + ": no A, C, G or T in the reference (only N)");
  return ref;
}

}  // namespace spindle
