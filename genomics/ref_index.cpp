#include "genomics/ref_index.h"

#include <htslib/faidx.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "genomics/fastx_reader.h"
#include "kernels/error.h"
#include "kernels/io/output_file.h"

namespace spindle {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<Window> make_windows(const Reference& ref, int window_bp, int stride_bp) {
  if (window_bp < 16 || stride_bp < 1 || stride_bp > window_bp)
    throw Error("reference index: need window >= 16 and 1 <= stride <= window (got window " +
                std::to_string(window_bp) + ", stride " + std::to_string(stride_bp) + ")");
  std::vector<Window> windows;
  for (size_t c = 0; c < ref.contigs.size(); ++c) {
    const int64_t len = static_cast<int64_t>(ref.contigs[c].seq.size());
    int64_t start = 0;
    for (; start + window_bp < len; start += stride_bp)
      windows.push_back({static_cast<int32_t>(c), start, start + window_bp});
    // The last window ends at the contig end so the tail is covered at full length.
    windows.push_back({static_cast<int32_t>(c), std::max<int64_t>(0, len - window_bp), len});
  }
  return windows;
}

std::string default_factory(const Encoder& encoder, const std::string& requested) {
  if (!requested.empty()) return requested;
  return dynamic_cast<const KmerSketchEncoder*>(&encoder) ? "Int8Flat" : "Flat";
}

void RefIndex::build(const Reference& ref, const Encoder& encoder, const RefIndexOptions& options,
                     const std::string& dir, void (*progress)(const std::string&)) {
  std::vector<Window> windows = make_windows(ref, options.window_bp, options.stride_bp);
  const bool both = !encoder.strand_invariant();
  const int64_t n = static_cast<int64_t>(windows.size()) * (both ? 2 : 1);
  const int dim = encoder.dim();
  std::vector<float> vectors(static_cast<size_t>(n) * dim);
  const size_t chunk = 4096;
  for (size_t first = 0; first < windows.size(); first += chunk) {
    size_t last = std::min(windows.size(), first + chunk);
    std::vector<std::string> rc_storage;
    std::vector<std::string_view> seqs;
    for (size_t w = first; w < last; ++w) {
      const auto& win = windows[w];
      seqs.emplace_back(ref.contigs[win.contig].seq.data() + win.start, win.end - win.start);
    }
    encoder.encode(seqs, vectors.data() + first * dim);
    if (both) {
      for (auto& s : seqs) rc_storage.push_back(reverse_complement(std::string(s)));
      std::vector<std::string_view> rc(rc_storage.begin(), rc_storage.end());
      encoder.encode(rc, vectors.data() + (windows.size() + first) * dim);
    }
    if (progress) progress("embedded " + std::to_string(last) + " / " + std::to_string(windows.size()) + " windows");
  }

  BuildOptions build;
  build.factory = default_factory(encoder, options.factory);
  build.metric = Metric::cosine;
  build.producer = encoder.description();
  VectorStore store = VectorStore::build(vectors.data(), n, dim, {}, build);
  vectors.clear();
  vectors.shrink_to_fit();

  TempPath tmp(dir);
  std::error_code ec;
  fs::remove_all(tmp.path(), ec);
  fs::create_directories(tmp.path(), ec);
  if (ec) throw Error(dir + ": cannot create directory: " + ec.message());

  {  // reference.fa, 80 columns, then its .fai so CRAM writers and samtools can use it
    std::ofstream fa(tmp.path() + "/reference.fa", std::ios::binary);
    for (auto& c : ref.contigs) {
      fa << '>' << c.name << '\n';
      for (size_t i = 0; i < c.seq.size(); i += 80) fa.write(c.seq.data() + i, std::min<size_t>(80, c.seq.size() - i)) << '\n';
    }
    if (!fa.flush()) throw Error(dir + ": write failed (reference.fa)");
  }
  if (fai_build((tmp.path() + "/reference.fa").c_str()) != 0) throw Error(dir + ": cannot index reference.fa");

  json contigs = json::array();
  for (auto& c : ref.contigs) {
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08x", c.crc32);
    contigs.push_back({{"name", c.name}, {"length", c.seq.size()}, {"crc32", crc}});
  }
  json manifest = {{"kind", RefIndexManifest::kKind},
                   {"format_version", RefIndexManifest::kFormatVersion},
                   {"encoder", encoder.description()},
                   {"window_bp", options.window_bp},
                   {"stride_bp", options.stride_bp},
                   {"both_strands", both},
                   {"windows", windows.size()},
                   {"contigs", contigs},
                   {"vectors", "vectors"},
                   {"written_by", std::string("spindle ") + SPINDLE_VERSION}};
  {
    std::ofstream out(tmp.path() + "/manifest.json");
    out << manifest.dump(2) << '\n';
    if (!out.flush()) throw Error(dir + ": write failed (manifest.json)");
  }
  store.save(tmp.path() + "/vectors");
  tmp.commit();
}

RefIndex RefIndex::open(const std::string& dir) {
  RefIndex index;
  index.dir_ = dir;
  const std::string manifest_path = dir + "/manifest.json";
  std::ifstream in(manifest_path);
  if (!in) throw Error(dir + ": not a spindle reference index (no manifest.json)");
  json m;
  try {
    m = json::parse(in);
  } catch (const std::exception& e) {
    throw Error(manifest_path + ": malformed JSON");
  }
  try {
    if (m.value("kind", "") != RefIndexManifest::kKind)
      throw Error(dir + ": not a spindle reference index (kind '" + m.value("kind", "") + "')");
    int version = m.at("format_version").get<int>();
    if (version != RefIndexManifest::kFormatVersion)
      throw Error(dir + ": reference index format version " + std::to_string(version) + " (written by " +
                  m.value("written_by", "?") + "); this spindle reads version " +
                  std::to_string(RefIndexManifest::kFormatVersion) + ": rebuild it with `spindle index ref`");
    auto& man = index.manifest_;
    man.format_version = version;
    man.encoder = m.at("encoder").get<std::string>();
    man.window_bp = m.at("window_bp").get<int>();
    man.stride_bp = m.at("stride_bp").get<int>();
    man.both_strands = m.at("both_strands").get<bool>();
    man.written_by = m.value("written_by", "");
    index.encoder_ = encoder_from_description(man.encoder);

    index.ref_ = load_reference(index.reference_fasta());
    auto& contigs = m.at("contigs");
    bool same = contigs.size() == index.ref_.contigs.size();
    for (size_t i = 0; same && i < contigs.size(); ++i) {
      auto& c = index.ref_.contigs[i];
      char crc[16];
      std::snprintf(crc, sizeof crc, "%08x", c.crc32);
      same = contigs[i].at("name").get<std::string>() == c.name &&
             contigs[i].at("length").get<uint64_t>() == c.seq.size() && contigs[i].at("crc32").get<std::string>() == crc;
    }
    if (!same) throw Error(dir + ": reference.fa does not match the manifest (index damaged or edited)");
    index.windows_ = make_windows(index.ref_, man.window_bp, man.stride_bp);
    if (m.at("windows").get<size_t>() != index.windows_.size())
      throw Error(dir + ": window count differs from the manifest");
  } catch (const json::exception& e) {
    throw Error(manifest_path + ": missing or invalid field (" + std::string(e.what()) + ")");
  }
  index.store_ = std::make_unique<VectorStore>(VectorStore::open(dir + "/vectors"));
  const auto& store = *index.store_;
  if (store.producer() != index.manifest_.encoder)
    throw Error(dir + ": vectors were made by encoder '" + store.producer() + "' but the manifest names '" +
                index.manifest_.encoder + "'");
  int64_t expected = static_cast<int64_t>(index.windows_.size()) * (index.manifest_.both_strands ? 2 : 1);
  if (store.count() != expected || store.dim() != index.encoder_->dim())
    throw Error(dir + ": vector store does not match the windows (count or dimension)");
  return index;
}

void RefIndex::check_same_reference(const Reference& other, const std::string& other_path) const {
  if (other.contigs.size() != ref_.contigs.size())
    throw Error(other_path + ": reference does not match index " + dir_ + " (" + std::to_string(other.contigs.size()) +
                " sequences, index has " + std::to_string(ref_.contigs.size()) + ")");
  for (size_t i = 0; i < other.contigs.size(); ++i) {
    const auto &a = other.contigs[i], &b = ref_.contigs[i];
    if (a.name != b.name || a.seq.size() != b.seq.size() || a.crc32 != b.crc32)
      throw Error(other_path + ": reference does not match index " + dir_ + " (sequence " + a.name +
                  " differs in name, length or content)");
  }
}

}  // namespace spindle
