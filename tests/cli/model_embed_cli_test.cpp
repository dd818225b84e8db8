// End to end: `spindle --version`, `model info|forward|init-random` and `embed` on real sequences.
#include <gtest/gtest.h>

#include "kernels/io/npy.h"
#include "models/checkpoint.h"
#include "models/embedder.h"
#include "models/registry.h"
#include "tests/cli/cli_util.h"

using namespace spindle;
using namespace spindle::test;

namespace {

// The bundled human chrM cut into records of `n` bases (real sequence).
std::string chrM_records(const std::string& dir, int records, int n) {
  std::string text = read_text(source_dir() + "/data/dna/human_chrM.fa");
  std::string seq;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '>') seq += line;
  std::string fasta;
  for (int i = 0; i < records; ++i) fasta += ">chrM_" + std::to_string(i) + "\n" + seq.substr(i * n, n) + "\n";
  std::string path = dir + "/records.fa";
  write_text(path, fasta);
  return path;
}

}  // namespace

TEST(Cli, VersionNamesBackends) {
  auto r = run_spindle("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("spindle 0.1.0"), std::string::npos);
  EXPECT_NE(r.out.find("gemm: oneDNN"), std::string::npos);
  EXPECT_NE(r.out.find("fft: fftw"), std::string::npos);
  EXPECT_NE(r.out.find("cuda: "), std::string::npos);
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_spindle("embed").exit_code, 2);
  EXPECT_EQ(run_spindle("no-such-command").exit_code, 2);
  EXPECT_EQ(run_spindle("embed --help").exit_code, 0);
}

TEST(Cli, ModelInfoOnGoldens) {
  SPINDLE_REQUIRE_SHARED();
  auto r = run_spindle("model info " + shared_dir() + "/golden/hyenadna_tiny");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("architecture\thyenadna"), std::string::npos);
  EXPECT_NE(r.out.find("context\t1026"), std::string::npos);
  EXPECT_NE(r.out.find("unexpected_tensors\t0"), std::string::npos);
}

TEST(Cli, ModelInfoLoadsEveryGoldenWithNoUnexpectedTensors) {
  SPINDLE_REQUIRE_SHARED();
  int checked = 0;
  for (auto& entry : std::filesystem::directory_iterator(shared_dir() + "/golden")) {
    if (!std::filesystem::exists(entry.path() / "config.json")) continue;
    auto r = run_spindle("model info " + entry.path().string());
    EXPECT_EQ(r.exit_code, 0) << entry.path() << ": " << r.err;
    EXPECT_NE(r.out.find("unexpected_tensors\t0"), std::string::npos) << entry.path() << "\n" << r.out;
    ++checked;
  }
  EXPECT_GE(checked, 9);
}

TEST(Cli, BrokenCheckpointsAreOneLineErrors) {
  std::string dir = temp_dir() + "/broken";
  std::filesystem::copy(tiny_model_dir(), dir);
  std::filesystem::resize_file(dir + "/model.safetensors", std::filesystem::file_size(dir + "/model.safetensors") / 2);
  expect_one_line_error(run_spindle("model info " + dir), "model.safetensors");

  // A missing tensor is named.
  std::string cfg_only = temp_dir() + "/missing";
  std::filesystem::create_directories(cfg_only);
  std::filesystem::copy(tiny_model_dir() + "/config.json", cfg_only + "/config.json");
  expect_one_line_error(run_spindle("model info " + cfg_only), "no model.safetensors");

  // A config whose shapes disagree with the weights: shape mismatch, expected vs found.
  std::string mismatch = temp_dir() + "/mismatch";
  std::filesystem::copy(tiny_model_dir(), mismatch);
  std::string cfg = read_text(mismatch + "/config.json");
  cfg.replace(cfg.find("\"d_model\": 32"), 13, "\"d_model\": 48");
  write_text(mismatch + "/config.json", cfg);
  expect_one_line_error(run_spindle("model info " + mismatch), "expected [16, 48]");
}

TEST(Cli, ModelForwardWritesNpyAndLeavesNothingOnError) {
  std::string dir = temp_dir();
  Tensor ids = Tensor::empty({2, 20}, DType::i64);
  for (int i = 0; i < 40; ++i) ids.data<int64_t>()[i] = 7 + i % 4;
  write_npy(dir + "/ids.npy", ids);
  auto r = run_spindle("model forward " + tiny_model_dir() + " --ids " + dir + "/ids.npy --logits " + dir +
                   "/logits.npy --hidden " + dir + "/hidden.npy -t 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_npy(dir + "/logits.npy").shape(), (Shape{2, 20, 16}));
  EXPECT_EQ(read_npy(dir + "/hidden.npy").shape(), (Shape{2, 20, 32}));

  ids.data<int64_t>()[5] = 99;  // outside the vocabulary
  write_npy(dir + "/bad.npy", ids);
  std::string out = temp_dir();
  r = run_spindle("model forward " + tiny_model_dir() + " --ids " + dir + "/bad.npy --logits " + out + "/l.npy");
  expect_one_line_error(r, "token id 99");
  expect_only_files(out, {});
}

TEST(Cli, EmbedRealSequencesFromFastaGzAndStdin) {
  std::string dir = temp_dir();
  std::string fasta = chrM_records(dir, 5, 700);
  auto r = run_spindle("embed --model " + tiny_model_dir() + " " + fasta + " -o " + dir + "/emb.npy -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Tensor emb = read_npy(dir + "/emb.npy");
  EXPECT_EQ(emb.shape(), (Shape{5, 32}));
  EXPECT_EQ(read_text(dir + "/emb.ids.txt"), "chrM_0\nchrM_1\nchrM_2\nchrM_3\nchrM_4\n");
  EXPECT_NE(r.err.find("embedded 5 records, 3500 tokens"), std::string::npos) << r.err;

  // gzip input and stdin give the same vectors.
  ASSERT_EQ(run_command("gzip -c " + fasta + " > " + dir + "/records.fa.gz").exit_code, 0);
  r = run_spindle("embed --model " + tiny_model_dir() + " " + dir + "/records.fa.gz -o " + dir + "/gz.npy");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_command("cat " + fasta + " | " + spindle_binary() + " embed --model " + tiny_model_dir() + " - -o " + dir +
                  "/stdin.npy");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Tensor gz = read_npy(dir + "/gz.npy"), in = read_npy(dir + "/stdin.npy");
  for (int64_t i = 0; i < emb.numel(); ++i) {
    EXPECT_EQ(gz.data<float>()[i], emb.data<float>()[i]);
    EXPECT_EQ(in.data<float>()[i], emb.data<float>()[i]);
  }

  // Per-token arrays keyed by record name, and a long record chunked through --max-len.
  r = run_spindle("embed --model " + tiny_model_dir() + " " + fasta + " --pool none --max-len 512 -o " + dir + "/tok.safetensors");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/tok.safetensors"));
}

// Issue 16: embed streams its outputs (rows written as batches finish). The file must still be
// what a one-shot write of the whole matrix gives, with the values the library computes, in input
// order across several batches and a long record embedded on its own.
TEST(Cli, EmbedStreamsTheOutputOfTheLibrary) {
  std::string dir = temp_dir();
  std::string genome = read_text(chrM_records(dir, 1, 16000));
  genome = genome.substr(genome.find('\n') + 1, 16000);
  std::vector<std::pair<std::string, std::string>> records;
  for (int i = 0; i < 600; ++i) {
    records.push_back({"r" + std::to_string(i), genome.substr(i * 20, 30 + i % 17)});
    if (i == 300) records.push_back({"long", genome.substr(0, 9000)});  // >= 8192: its own forward pass
  }
  std::string fasta, names;
  for (auto& [name, seq] : records) {
    fasta += ">" + name + "\n" + seq + "\n";
    names += name + "\n";
  }
  write_text(dir + "/in.fa", fasta);
  std::string out = temp_dir();
  auto r = run_spindle("embed --model " + tiny_model_dir() + " " + dir + "/in.fa -o " + out + "/e.npy -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_spindle("embed --model " + tiny_model_dir() + " " + dir + "/in.fa --pool none -o " + out + "/t.safetensors -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_only_files(out, {"e.npy", "e.ids.txt", "t.safetensors", "t.ids.txt"});
  EXPECT_EQ(read_text(out + "/e.ids.txt"), names);
  EXPECT_EQ(read_text(out + "/t.ids.txt"), names);

  Tensor emb = read_npy(out + "/e.npy");
  ASSERT_EQ(emb.shape(), (Shape{static_cast<int64_t>(records.size()), 32}));
  write_npy(out + "/rewritten.npy", emb);  // the bytes a one-shot write of the same matrix gives
  EXPECT_EQ(read_text(out + "/e.npy"), read_text(out + "/rewritten.npy"));

  auto model = load_model(tiny_model_dir());
  Embedder pooled(*model, EmbedOptions{});
  Embedder per_token(*model, EmbedOptions{.pooling = Pooling::none});
  Checkpoint tokens = Checkpoint::open(out + "/t.safetensors");
  ASSERT_EQ(records[301].first, "long");
  for (int64_t i : {0, 1, 255, 256, 257, 300, 301, 302, 511, 512, 600}) {  // around batch edges, and "long"
    const auto& [name, seq] = records[i];
    Tensor want = pooled.embed(seq).vectors;
    for (int64_t j = 0; j < 32; ++j)
      ASSERT_NEAR(emb.data<float>()[i * 32 + j], want.data<float>()[j], 1e-4f) << name << " column " << j;
    Tensor want_tokens = per_token.embed(seq).vectors;
    Tensor got = tokens.get(name, want_tokens.shape());
    for (int64_t j = 0; j < got.numel(); ++j)
      ASSERT_NEAR(got.data<float>()[j], want_tokens.data<float>()[j], 1e-4f) << name << " element " << j;
  }
}

TEST(Cli, EmbedBadInputIsAnErrorWithNoOutput) {
  std::string dir = temp_dir();
  write_text(dir + "/empty_record.fa", ">a\nACGT\n>b\n\n>c\nACGT\n");
  auto r = run_spindle("embed --model " + tiny_model_dir() + " " + dir + "/empty_record.fa -o " + dir + "/o.npy");
  expect_one_line_error(r, "empty");
  write_text(dir + "/empty.fa", "");
  r = run_spindle("embed --model " + tiny_model_dir() + " " + dir + "/empty.fa -o " + dir + "/o.npy");
  expect_one_line_error(r, "empty.fa");
  expect_only_files(dir, {"empty_record.fa", "empty.fa"});

  // Characters outside ACGTN are embedded as [UNK] and reported, never silently.
  write_text(dir + "/iupac.fa", ">x\nACGTRYACGT\n");
  r = run_spindle("embed --model " + tiny_model_dir() + " " + dir + "/iupac.fa -o " + dir + "/u.npy");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: 2 characters outside ACGTN in 1 records"), std::string::npos) << r.err;
}

// Issue 16: multi-file outputs are all-or-nothing. `model forward` used to commit --logits before
// failing on --hidden; `embed` committed OUT.npy before OUT.ids.txt.
TEST(Cli, MultiFileOutputsAreAllOrNothing) {
  std::string dir = temp_dir();
  Tensor ids = Tensor::empty({1, 12}, DType::i64);
  for (int i = 0; i < 12; ++i) ids.data<int64_t>()[i] = 7 + i % 4;
  write_npy(dir + "/ids.npy", ids);
  std::string out = temp_dir();
  // The last of the three files cannot be written: none of them appears.
  auto r = run_spindle("model forward " + tiny_model_dir() + " --ids " + dir + "/ids.npy --logits " + out +
                       "/logits.npy --hidden " + out + "/hidden.npy --layers " + out + "/missing/layers.npy -t 1");
  expect_one_line_error(r, out + "/missing/layers.npy");
  expect_only_files(out, {});
  // A directory where a later file must go: refused before any file is renamed into place.
  std::filesystem::create_directories(out + "/hidden.npy");
  r = run_spindle("model forward " + tiny_model_dir() + " --ids " + dir + "/ids.npy --logits " + out +
                  "/logits.npy --hidden " + out + "/hidden.npy -t 1");
  expect_one_line_error(r, out + "/hidden.npy");
  expect_only_files(out, {"hidden.npy"});
  // The same file twice is a usage error.
  r = run_spindle("model forward " + tiny_model_dir() + " --ids " + dir + "/ids.npy --logits " + out +
                  "/x.npy --hidden " + out + "/x.npy -t 1");
  EXPECT_EQ(r.exit_code, 2) << r.err;

  // embed: OUT.ids.txt cannot be put in place (a directory is in the way): no OUT.npy either.
  std::string fasta = chrM_records(dir, 2, 300);
  std::string emb = temp_dir();
  std::filesystem::create_directories(emb + "/e.ids.txt");
  r = run_spindle("embed --model " + tiny_model_dir() + " " + fasta + " -o " + emb + "/e.npy -t 1");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("e.ids.txt"), std::string::npos) << r.err;
  expect_only_files(emb, {"e.ids.txt"});
  // And a good run writes both.
  std::filesystem::remove(emb + "/e.ids.txt");
  r = run_spindle("embed --model " + tiny_model_dir() + " " + fasta + " -o " + emb + "/e.npy -t 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(emb + "/e.ids.txt"), "chrM_0\nchrM_1\n");
  EXPECT_EQ(read_npy(emb + "/e.npy").shape()[0], 2);
}
