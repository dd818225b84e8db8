// spindle embed: FASTA/FASTQ (plain, gz, or - for stdin) of DNA or proteins (ESM-1/ESM-2 models) in,
// one vector per record out (.npy [N, D] + OUT.ids.txt), or per-token arrays keyed by record name
// (safetensors) with --pool none.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "cli/report.h"
#include "cli/shard.h"
#include "genomics/fastx_reader.h"
#include "kernels/backend.h"
#include "kernels/io/npy.h"
#include "kernels/parallel_for.h"
#include "kernels/io/output_file.h"
#include "models/embedder.h"
#include "models/registry.h"
#include "models/safetensors_writer.h"

namespace spindle::cli {
namespace {

struct EmbedArgs {
  std::string model_dir, input, output, pool = "mean", device = "auto";
  int64_t layer = -1, max_len = 0, overlap = -1;
  bool rc_average = false;
  int threads = 0;
  Shard shard;
};

std::string ids_path_for(const std::string& output) {
  std::string base = output;
  for (const char* ext : {".npy", ".safetensors"})
    if (base.size() > std::strlen(ext) && base.compare(base.size() - std::strlen(ext), std::string::npos, ext) == 0)
      base.resize(base.size() - std::strlen(ext));
  return base + ".ids.txt";
}

// OUT.rows.txt, written with --shard: each output row's 0-based record number in the whole input.
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

void run(const EmbedArgs& a) {
  set_num_threads(a.threads);
  if (resolve_device(a.device) == Device::cuda)
    std::fprintf(stderr, "[spindle] embed: the CUDA backend does not cover every op yet; running on the CPU\n");
  if (a.output == "-") throw UsageError("embed: -o must be a file (.npy, or .safetensors with --pool none)");
  if (a.shard.active() && a.input == "-")
    throw UsageError("embed: --shard needs an input file, not stdin (records are counted first)");
  EmbedOptions options;
  options.pooling = parse_pooling(a.pool);
  options.layer = a.layer;
  options.rc_average = a.rc_average;
  options.max_len = a.max_len;
  options.overlap = a.overlap;
  auto model = load_model(a.model_dir);
  Embedder embedder(*model, options);
  const std::string unit = model->info().is_esm ? "residues" : "tokens";

  // --shard: contiguous blocks of records, so the shards' outputs concatenated in shard order are the
  // unsharded output. The block bounds need the record count: a first pass over the input (a file).
  int64_t first = 0, last = INT64_MAX;
  if (a.shard.active()) {
    FastxReader counter(a.input, BasePolicy::as_is);
    int64_t total = 0;
    for (SeqRecord r; counter.next(r); ++total)  // an empty record fails every shard, as it fails one run
      if (r.seq.empty()) throw Error(a.input + ": record " + r.name + ": empty sequence");
    first = a.shard.begin(total);
    last = a.shard.end(total);
    std::fprintf(stderr, "[spindle] shard %lld/%lld: records %lld-%lld of %lld\n", static_cast<long long>(a.shard.index + 1),
                 static_cast<long long>(a.shard.count), static_cast<long long>(first + 1), static_cast<long long>(last),
                 static_cast<long long>(total));
  }
  int64_t record_number = -1;

  // The outputs stream: each record's vector, id and row go to the temporaries as soon as its batch
  // is embedded, so memory does not grow with the number of records (a [N, D] matrix used to be
  // held, and copied, until the end). All-or-nothing still: the files are renamed into place
  // together only at the end (commit_all), so a failure leaves none (no .npy without its .ids.txt).
  OutputFile ids(ids_path_for(a.output));
  std::unique_ptr<OutputFile> rows;
  if (a.shard.given)  // ids for `spindle index build --ids`: the rows an unsharded run would give
    rows = std::make_unique<OutputFile>(rows_path_for(a.output));
  OutputFile vectors(a.output);
  std::unique_ptr<NpyRowWriter> matrix;
  std::unique_ptr<SafetensorsStreamWriter> per_token;
  if (options.pooling == Pooling::none)
    per_token = std::make_unique<SafetensorsStreamWriter>(vectors);
  else
    matrix = std::make_unique<NpyRowWriter>(vectors, DType::f32, embedder.dimension());

  FastxReader reader(a.input, BasePolicy::as_is);
  int64_t written = 0, tokens = 0, unknown = 0, records_with_unknown = 0;
  Progress progress;
  auto keep = [&](const SeqRecord& rec, const Embedding& e) {
    tokens += e.tokens;
    unknown += e.unknown_chars;
    records_with_unknown += e.unknown_chars > 0;
    if (per_token) {
      if (per_token->contains(rec.name))
        throw Error(a.input + ": duplicate record name '" + rec.name + "' (--pool none keys arrays by name)");
      per_token->add(rec.name, e.vectors);
    } else {
      SPINDLE_ASSERT(e.vectors.numel() == embedder.dimension());
      matrix->append(e.vectors.data<float>(), 1);
    }
    ids.write(rec.name + "\n");
    if (rows) rows->write(std::to_string(first + written) + "\n");
    ++written;
  };
  // The library's errors about one sequence (a residue outside the alphabet, a protein longer than
  // the context) get the file and the record in front.
  auto embed_record = [&](const SeqRecord& r) {
    try {
      return embedder.embed(r.seq);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw Error(a.input + ": record " + r.name + ": " + e.what());
    }
  };
  std::vector<SeqRecord> batch;
  auto flush = [&] {
    std::vector<Embedding> embeddings(batch.size());
    parallel_for_each(batch.size(), [&](size_t i) { embeddings[i] = embed_record(batch[i]); });
    for (size_t i = 0; i < batch.size(); ++i) keep(batch[i], embeddings[i]);
    batch.clear();
    progress.update(std::to_string(written) + " records, " + std::to_string(tokens) + " " + unit);
  };
  SeqRecord rec;
  while (reader.next(rec)) {
    if (rec.seq.empty()) throw Error(a.input + ": record " + rec.name + ": empty sequence");
    if (++record_number < first) continue;
    if (record_number >= last) break;
    if (rec.seq.size() < kShortRecord) {
      batch.push_back(std::move(rec));
      if (batch.size() == kBatchRecords) flush();
      continue;
    }
    flush();  // keeps the output in input order
    keep(rec, embed_record(rec));
    progress.update(std::to_string(written) + " records, " + std::to_string(tokens) + " " + unit);
  }
  flush();
  if (unknown > 0)
    std::fprintf(stderr, "[spindle] warning: %lld characters outside ACGTN in %lld records were mapped to [UNK]\n",
                 static_cast<long long>(unknown), static_cast<long long>(records_with_unknown));

  if (per_token)
    per_token->finish();
  else
    matrix->finish();
  commit_all({&vectors, &ids, rows.get()});
  const double seconds = progress.elapsed_s();
  std::fprintf(stderr, "[spindle] embedded %lld records, %lld %s, %.0f %s/s, %.1f records/s, peak RSS %s\n",
               static_cast<long long>(written), static_cast<long long>(tokens), unit.c_str(),
               tokens / std::max(seconds, 1e-9), unit.c_str(), written / std::max(seconds, 1e-9),
               format_bytes(peak_rss_bytes()).c_str());
  print_final_report();
}

void setup(CLI::App& app) {
  auto a = std::make_shared<EmbedArgs>();
  auto* cmd = app.add_subcommand("embed", "Embed DNA or protein FASTA/FASTQ records with a model: vectors out (.npy)");
  cmd->add_option("--model", a->model_dir, "Model directory (config.json + safetensors)")->required();
  cmd->add_option("input", a->input, "FASTA/FASTQ, plain or gzip; - for stdin")->required();
  cmd->add_option("-o,--output", a->output, "OUT.npy [N, D] (+ OUT.ids.txt); OUT.safetensors with --pool none")
      ->required();
  cmd->add_option("--pool", a->pool,
                  "mean | last | cls | none (per-token arrays keyed by record name); proteins: mean over the residues, "
                  "cls = the <cls> token, no last")
      ->capture_default_str();
  cmd->add_option("--layer", a->layer, "Use the residual stream after block K (0 = embeddings) instead of the final norm");
  cmd->add_flag("--rc-average", a->rc_average,
                "DNA: average with the reverse complement so both strands embed identically");
  cmd->add_option("--max-len", a->max_len,
                  "Window (bases/residues) for records longer than the context (DNA default: the model's context; "
                  "proteins: none, a longer protein is an error)");
  cmd->add_option("--overlap", a->overlap, "Overlap between windows in tokens (default: max-len / 4)");
  cmd->add_option("-t,--threads", a->threads, "Threads (default: all cores)");
  cmd->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
  auto shard = std::make_shared<Shard>();
  add_shard_option(cmd, shard,
                   "records in the I-th of N contiguous blocks (input must be a file); also writes OUT.rows.txt, "
                   "each row's 0-based record number (ids for `index build --ids`)");
  cmd->callback([a, shard] {
    a->shard = *shard;
    run(*a);
  });
}

SPINDLE_COMMAND(10, setup);

}  // namespace
}  // namespace spindle::cli
