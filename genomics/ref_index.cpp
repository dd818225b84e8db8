#include "genomics/ref_index.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/json_number.h"
#include "base/output_file.h"
#include "genomics/fastx_reader.h"
#include "models/sequence.h"

namespace spindle {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kReferenceFile = "reference.2bit";
constexpr const char* kMinimizerFile = "minimizers.bin";

std::string crc_hex(uint32_t crc) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", crc);
  return text;
}

// Embeds the windows `first..last` (their reverse complements when `reverse`) into `out`.
void embed_windows(const PackedReference& ref, const WindowLayout& layout, const Encoder& encoder, int64_t first,
                   int64_t last, bool reverse, std::vector<float>& out) {
  const int64_t n = last - first;
  out.resize(static_cast<size_t>(n) * encoder.dim());
  std::vector<std::string> text(n);
  for (int64_t i = 0; i < n; ++i) {
    const Window w = layout.window(first + i);
    ref.fetch(w.contig, w.start, w.end, text[i]);
    if (reverse) text[i] = reverse_complement(text[i]);
  }
  std::vector<std::string_view> views(text.begin(), text.end());
  encoder.encode(views, out.data());
}

}  // namespace

std::vector<Window> make_windows(const Reference& ref, int window_bp, int stride_bp) {
  std::vector<int64_t> lengths;
  for (auto& c : ref.contigs) lengths.push_back(static_cast<int64_t>(c.seq.size()));
  WindowLayout layout(lengths, window_bp, stride_bp);
  std::vector<Window> windows;
  for (int64_t id = 0; id < layout.count(); ++id) windows.push_back(layout.window(id));
  return windows;
}

std::string default_factory(const Encoder& encoder, const std::string& requested) {
  if (!requested.empty()) return requested;
  return dynamic_cast<const KmerSketchEncoder*>(&encoder) ? "Int8Flat" : "Flat";
}

RefIndexSummary RefIndex::build(const std::string& fasta, const Encoder& encoder, const RefIndexOptions& options,
                     const std::string& dir, ProgressFn progress) {
  return build(pack_fasta(fasta, progress), encoder, options, dir, progress);
}

RefIndexSummary RefIndex::build(const Reference& ref, const Encoder& encoder, const RefIndexOptions& options,
                     const std::string& dir, ProgressFn progress) {
  PackedReference packed;
  for (auto& c : ref.contigs) packed.append(c.name, c.seq);
  return build(packed, encoder, options, dir, progress);
}

static bool is_ref_index_dir(const std::string& d) { return dir_manifest_has(d, "kind", RefIndexManifest::kKind); }

void RefIndex::check_output(const std::string& dir) { check_output_dir(dir, is_ref_index_dir); }

RefIndexSummary RefIndex::build(const PackedReference& ref, const Encoder& encoder, const RefIndexOptions& options,
                     const std::string& dir, ProgressFn progress) {
  const WindowLayout layout(contig_lengths(ref), options.window_bp, options.stride_bp);
  const bool both = !encoder.strand_invariant();
  const int64_t n_windows = layout.count();

  // Only an existing reference index directory is replaced; a user's folder is refused untouched.
  TempPath tmp(dir, is_ref_index_dir);
  std::error_code ec;
  fs::remove_all(tmp.path(), ec);
  fs::create_directories(tmp.path(), ec);
  if (ec) throw Error(dir + ": cannot create directory: " + ec.message());
  uint64_t occurrences = 0;
  try {
    const std::string reference_checksum = ref.save(tmp.path() + "/" + kReferenceFile);

    {  // Window vectors, a chunk at a time: only the int8 codes of the whole reference are held.
      BuildOptions build;
      build.factory = default_factory(encoder, options.factory);
      build.metric = Metric::cosine;
      build.producer = encoder.description();
      VectorStore store = VectorStore::create(encoder.dim(), build);
      if (!store.is_trained())
        throw Error("vector index '" + build.factory + "' needs training; the reference index takes Int8Flat, Flat or HNSW");
      store.reserve(n_windows * (both ? 2 : 1));
      const int64_t chunk = 16384;
      std::vector<float> vectors;
      // Forward strands first (ids 0..n-1), then, when the encoder needs them, the reverse strands.
      for (int strand = 0; strand < (both ? 2 : 1); ++strand)
        for (int64_t first = 0; first < n_windows; first += chunk) {
          const int64_t last = std::min(n_windows, first + chunk);
          embed_windows(ref, layout, encoder, first, last, strand == 1, vectors);
          store.add(vectors.data(), last - first);
          if (progress)
            progress("embedded " + std::to_string(last) + " / " + std::to_string(n_windows) + " windows" +
                     (both ? (strand ? " (reverse strand)" : " (forward strand)") : ""));
        }
      store.save(tmp.path() + "/vectors");
    }

    const MinimizerIndex minimizers = MinimizerIndex::build(ref, options.minimizers, progress);
    occurrences = minimizers.occurrences();
    const std::string minimizer_checksum = minimizers.save(tmp.path() + "/" + kMinimizerFile);

    json contigs = json::array();
    for (auto& c : ref.contigs())
      contigs.push_back({{"name", c.name}, {"length", c.length}, {"crc32", crc_hex(c.crc32)}});
    json manifest = {{"kind", RefIndexManifest::kKind},
                     {"format_version", RefIndexManifest::kFormatVersion},
                     {"encoder", encoder.description()},
                     {"window_bp", options.window_bp},
                     {"stride_bp", options.stride_bp},
                     {"both_strands", both},
                     {"windows", n_windows},
                     {"contigs", contigs},
                     {"reference", {{"file", kReferenceFile}, {"checksum", reference_checksum}}},
                     {"minimizers",
                      {{"file", kMinimizerFile},
                       {"k", options.minimizers.k},
                       {"w", options.minimizers.w},
                       {"occurrences", minimizers.occurrences()},
                       {"checksum", minimizer_checksum}}},
                     {"vectors", "vectors"},
                     {"written_by", std::string("spindle ") + SPINDLE_VERSION}};
    {
      std::ofstream out(tmp.path() + "/manifest.json");
      out << manifest.dump(2) << '\n';
      if (!out.flush()) throw Error(tmp.path() + "/manifest.json: write failed");
    }
  } catch (const Error& e) {
    throw tmp.naming_final_path(e);
  }
  tmp.commit();
  return {ref.contigs().size(), ref.total_length(), n_windows, occurrences,
          default_factory(encoder, options.factory)};
}

RefIndex RefIndex::open(const std::string& dir, const LoadOptions& model_options) {
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
  // A data file named in the manifest, and the checksum its loader verifies while reading it.
  // A data file named in the manifest: a plain name inside the index directory, never a path.
  auto file_of = [&](const json& entry) {
    const std::string name = entry.at("file").get<std::string>();
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
      throw Error(manifest_path + ": data file '" + name + "' is not a file name inside the index");
    return dir + "/" + name;
  };
  auto checksum_of = [&](const json& entry) { return entry.at("checksum").get<std::string>(); };

  try {
    if (m.value("kind", "") != RefIndexManifest::kKind)
      throw Error(dir + ": not a spindle reference index (kind '" + m.value("kind", "") + "')");
    int version = json_integer<int>(m.at("format_version"));
    if (version != RefIndexManifest::kFormatVersion)
      throw Error(dir + ": reference index format version " + std::to_string(version) + " (written by " +
                  m.value("written_by", "?") + "); this spindle reads version " +
                  std::to_string(RefIndexManifest::kFormatVersion) + ": rebuild it with `spindle index ref`");
    auto& man = index.manifest_;
    man.format_version = version;
    man.encoder = m.at("encoder").get<std::string>();
    man.window_bp = json_integer<int>(m.at("window_bp"));
    man.stride_bp = json_integer<int>(m.at("stride_bp"));
    man.both_strands = m.at("both_strands").get<bool>();
    man.written_by = m.value("written_by", "");
    index.encoder_ = encoder_from_description(man.encoder, model_options);

    index.ref_ = PackedReference::load(file_of(m.at("reference")), checksum_of(m.at("reference")));
    auto& contigs = m.at("contigs");
    bool same = contigs.size() == index.ref_.contigs().size();
    for (size_t i = 0; same && i < contigs.size(); ++i) {
      auto& c = index.ref_.contigs()[i];
      same = contigs[i].at("name").get<std::string>() == c.name && json_integer<int64_t>(contigs[i].at("length")) == c.length &&
             contigs[i].at("crc32").get<std::string>() == crc_hex(c.crc32);
    }
    if (!same) throw Error(dir + ": reference.2bit does not match the manifest (index damaged or edited)");
    index.windows_ = WindowLayout(contig_lengths(index.ref_), man.window_bp, man.stride_bp);
    if (json_integer<int64_t>(m.at("windows")) != index.windows_.count())
      throw Error(dir + ": window count differs from the manifest");
    index.minimizers_ = MinimizerIndex::load(file_of(m.at("minimizers")), checksum_of(m.at("minimizers")));
    const auto& params = index.minimizers_.params();
    if (params.k != json_integer<int>(m.at("minimizers").at("k")) || params.w != json_integer<int>(m.at("minimizers").at("w")))
      throw Error(dir + ": minimizer index parameters differ from the manifest");
  } catch (const json::exception& e) {
    throw Error(manifest_path + ": missing or invalid field (" + std::string(e.what()) + ")");
  }
  index.store_ = std::make_unique<VectorStore>(VectorStore::open(dir + "/vectors"));
  const auto& store = *index.store_;
  if (store.producer() != index.manifest_.encoder)
    throw Error(dir + ": vectors were made by encoder '" + store.producer() + "' but the manifest names '" +
                index.manifest_.encoder + "'");
  int64_t expected = index.windows_.count() * (index.manifest_.both_strands ? 2 : 1);
  if (store.count() != expected || store.dim() != index.encoder_->dim())
    throw Error(dir + ": vector store does not match the windows (count or dimension)");
  return index;
}

void RefIndex::check_same_reference(const std::string& path) const {
  FastxReader reader(path, BasePolicy::iupac_to_n);
  SeqRecord rec;
  size_t i = 0;
  const auto& contigs = ref_.contigs();
  while (reader.next(rec)) {
    if (i >= contigs.size())
      throw Error(path + ": reference does not match index " + dir_ + " (more than its " +
                  std::to_string(contigs.size()) + " sequences)");
    const auto& c = contigs[i++];
    if (rec.name != c.name || static_cast<int64_t>(rec.seq.size()) != c.length || sequence_crc32(rec.seq) != c.crc32)
      throw Error(path + ": reference does not match index " + dir_ + " (sequence " + rec.name +
                  " differs in name, length or content)");
  }
  if (i != contigs.size())
    throw Error(path + ": reference does not match index " + dir_ + " (" + std::to_string(i) +
                " sequences, index has " + std::to_string(contigs.size()) + ")");
}

}  // namespace spindle
