#include "genomics/embed_run.h"

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "base/error.h"
#include "base/output_file.h"
#include "base/shard_range.h"
#include "genomics/fastx_reader.h"
#include "kernels/io/npy.h"
#include "kernels/parallel_for.h"
#include "models/registry.h"
#include "models/safetensors_writer.h"

namespace spindle {
namespace {

std::string ids_path_for(const std::string& output) {
  std::string base = output;
  for (const char* ext : {".npy", ".safetensors"})
    if (base.size() > std::strlen(ext) && base.compare(base.size() - std::strlen(ext), std::string::npos, ext) == 0)
      base.resize(base.size() - std::strlen(ext));
  return base + ".ids.txt";
}

// OUT.rows.txt, written for shards: each output row's 0-based record number in the whole input.
std::string rows_path_for(const std::string& output) {
  std::string ids = ids_path_for(output);
  return ids.substr(0, ids.size() - std::strlen(".ids.txt")) + ".rows.txt";
}

// Records shorter than this many characters are embedded one per thread, a batch at a time: a
// read-sized forward pass is dozens of parallel regions with microseconds of work each, so
// splitting it across threads costs more in wake-ups than it gains. Longer records run one at a
// time with every thread inside the forward pass. (1000 150-bp reads, d_model 128 HyenaDNA, under
// load: 3.1 CPU-s / 11.4 s wall on 2 threads vs 3.5 / 18.3 on 1.)
constexpr size_t kShortRecord = 8192;
constexpr size_t kBatchRecords = 256;

}  // namespace

EmbedRunStats run_embedding(const EmbedRunOptions& o, const std::function<void(const EmbedRunStats&)>& progress,
                            const std::function<void(const std::string&)>& log) {
  ThreadScope threads(o.context);
  auto note = [&](const std::string& line) {
    if (log) log(line);
  };
  const bool sharded = o.shard_count > 1;
  LoadReport loaded = load_model_with_report(o.model_dir, load_options_for(o.context));
  auto model = std::move(loaded.model);
  if (loaded.device == Device::cuda) note("embed: " + loaded.architecture + " computes on cuda");
  Embedder embedder(*model, o.embed);
  EmbedRunStats stats;
  stats.protein = model->info().is_esm;

  // Shards are contiguous blocks of records, so the shards' outputs concatenated in shard order are
  // the unsharded output. The block bounds need the record count: a first pass over the input.
  int64_t first = 0, last = INT64_MAX;
  if (sharded) {
    FastxReader counter(o.input, BasePolicy::as_is);
    int64_t total = 0;
    for (SeqRecord r; counter.next(r); ++total)  // an empty record fails every shard, as it fails one run
      if (r.seq.empty()) throw Error(o.input + ": record " + r.name + ": empty sequence");
    const ShardRange range = shard_range(total, o.shard_index, o.shard_count);
    first = range.first, last = range.last;
    note("shard " + std::to_string(o.shard_index + 1) + "/" + std::to_string(o.shard_count) + ": records " +
         std::to_string(first + 1) + "-" + std::to_string(last) + " of " + std::to_string(total));
  }
  int64_t record_number = -1;

  // The outputs stream: each record's vector, id and row go to the temporaries as soon as its batch
  // is embedded, so memory does not grow with the number of records (a [N, D] matrix used to be
  // held, and copied, until the end). All-or-nothing still: the files are renamed into place
  // together only at the end (commit_all), so a failure leaves none (no .npy without its .ids.txt).
  OutputFile ids(ids_path_for(o.output));
  std::unique_ptr<OutputFile> rows;
  if (o.write_rows) rows = std::make_unique<OutputFile>(rows_path_for(o.output));
  OutputFile vectors(o.output);
  std::unique_ptr<NpyRowWriter> matrix;
  std::unique_ptr<SafetensorsStreamWriter> per_token;
  if (o.embed.pooling == Pooling::none)
    per_token = std::make_unique<SafetensorsStreamWriter>(vectors);
  else
    matrix = std::make_unique<NpyRowWriter>(vectors, DType::f32, embedder.dimension());

  FastxReader reader(o.input, BasePolicy::as_is);
  const auto start = std::chrono::steady_clock::now();
  auto report = [&] {
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (progress) progress(stats);
  };
  int64_t unknown = 0, records_with_unknown = 0;
  auto keep = [&](const SeqRecord& rec, const Embedding& e) {
    stats.tokens += e.tokens;
    unknown += e.unknown_chars;
    records_with_unknown += e.unknown_chars > 0;
    if (per_token) {
      if (per_token->contains(rec.name))
        throw Error(o.input + ": duplicate record name '" + rec.name + "' (--pool none keys arrays by name)");
      per_token->add(rec.name, e.vectors);
    } else {
      SPINDLE_ASSERT(e.vectors.numel() == embedder.dimension());
      matrix->append(e.vectors.data<float>(), 1);
    }
    ids.write(rec.name + "\n");
    if (rows) rows->write(std::to_string(first + stats.records) + "\n");
    ++stats.records;
  };
  // The library's errors about one sequence (a residue outside the alphabet, a protein longer than
  // the context) get the file and the record in front.
  auto embed_record = [&](const SeqRecord& r) {
    try {
      return embedder.embed(r.seq);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw Error(o.input + ": record " + r.name + ": " + e.what());
    }
  };
  std::vector<SeqRecord> batch;
  auto flush = [&] {
    std::vector<Embedding> embeddings(batch.size());
    parallel_for_each(batch.size(), [&](size_t i) { embeddings[i] = embed_record(batch[i]); });
    for (size_t i = 0; i < batch.size(); ++i) keep(batch[i], embeddings[i]);
    batch.clear();
    report();
  };
  SeqRecord rec;
  while (reader.next(rec)) {
    if (rec.seq.empty()) throw Error(o.input + ": record " + rec.name + ": empty sequence");
    if (++record_number < first) continue;
    if (record_number >= last) break;
    if (rec.seq.size() < kShortRecord) {
      batch.push_back(std::move(rec));
      if (batch.size() == kBatchRecords) flush();
      continue;
    }
    flush();  // keeps the output in input order
    keep(rec, embed_record(rec));
    report();
  }
  flush();
  if (unknown > 0)
    note("warning: " + std::to_string(unknown) + " characters outside ACGTN in " + std::to_string(records_with_unknown) +
         " records were mapped to [UNK]");

  if (per_token)
    per_token->finish();
  else
    matrix->finish();
  commit_all({&vectors, &ids, rows.get()});
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace spindle
