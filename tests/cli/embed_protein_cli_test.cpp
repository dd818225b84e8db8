// `spindle embed` with an ESM-2 protein model, end to end (issue 15): a random-weight ESM-2 made by
// `spindle model init-random --arch esm2`, the bundled BLAT_ECOLX wild type and a few proteins
// written here. Output shapes and names, agreement with the library, cls vs mean, --layer,
// per-residue arrays, stdin and gzip, and the one-line errors (bad residue, protein beyond the
// context, options that only fit DNA).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/backend.h"
#include "kernels/io/npy.h"
#include "models/checkpoint.h"
#include "models/embedder.h"
#include "models/registry.h"
#include "tests/cli/cli_util.h"

using namespace spindle;
using namespace spindle::test;

namespace {

class EmbedProteinCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (spindle_binary().empty()) GTEST_SKIP() << "core-only build: no spindle binary";
  }

  // Width 32, 2 layers, the real 1026 positions: 1022 residues per forward pass.
  static const std::string& model_dir() {
    static std::string dir =
        init_random_model("esm", "--arch esm2 --d-model 32 --n-layer 2 --heads 4 --seed 11");
    return dir;
  }

  static std::string embed(const std::string& args) {
    return "embed --model " + model_dir() + " " + args;
  }
};

std::string blat_fasta() {
  return source_dir() + "/data/proteins/BLAT_ECOLX.wt.fasta";
}

// The wild-type sequence of a one-record FASTA.
std::string fasta_sequence(const std::string& path) {
  std::istringstream in(read_text(path));
  std::string line, seq;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '>') seq += line;
  return seq;
}

// BLAT_ECOLX and three short proteins; p2 and p3 are the same protein in lower and upper case.
const std::vector<std::pair<std::string, std::string>>& proteins() {
  static const std::vector<std::pair<std::string, std::string>> list = {
      {"BLAT_ECOLX/24-286", fasta_sequence(blat_fasta())},
      {"p1",
       "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEG"
       "LYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDA"
       "KGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDWUTPSSELGHAGLNGDILVWNPVLEDAFELSSMGIRVDADTLKHQLALTGDED"
       "RLELEWHQALLRGEMPQTIGGGIGQSRLTMLLLQLPH"},
      {"p2", "mkvlaagivgalllagcss"},
      {"p3", "MKVLAAGIVGALLLAGCSS"},
  };
  return list;
}

std::string write_proteins(const std::string& dir) {
  std::string fasta =
      read_text(blat_fasta()) + "\n";  // the real file (no final newline), then ours
  for (size_t i = 1; i < proteins().size(); ++i)
    fasta += ">" + proteins()[i].first + " written by the test\n" + proteins()[i].second + "\n";
  write_text(dir + "/proteins.fa", fasta);
  return dir + "/proteins.fa";
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (int64_t i = 0; i < t.numel(); ++i) m = std::max(m, double(std::abs(t.data<float>()[i])));
  return m;
}

// max |a - b| / max |b|.
double relative_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape()) return 1e30;
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    m = std::max(m, double(std::abs(a.data<float>()[i] - b.data<float>()[i])));
  return m / std::max(max_abs(b), 1e-30);
}

}  // namespace

TEST_F(EmbedProteinCli, PoolingsLayersAndPerResidueArraysMatchTheLibrary) {
  const std::string dir = temp_dir(), fasta = write_proteins(dir);
  std::string names;
  for (auto& [name, seq] : proteins()) names += name + "\n";

  auto r = run_spindle(embed(fasta + " -o " + dir + "/mean.npy -t 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("embedded 4 records"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("residues/s"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(dir + "/mean.ids.txt"), names);
  Tensor mean = read_npy(dir + "/mean.npy");
  ASSERT_EQ(mean.shape(), (Shape{4, 32}));

  ASSERT_EQ(run_spindle(embed(fasta + " --pool cls -o " + dir + "/cls.npy -t 2")).exit_code, 0);
  ASSERT_EQ(run_spindle(embed(fasta + " --layer 0 -o " + dir + "/layer0.npy -t 2")).exit_code, 0);
  ASSERT_EQ(run_spindle(embed(fasta + " --layer 2 -o " + dir + "/layer2.npy -t 2")).exit_code, 0);
  r = run_spindle(embed(fasta + " --pool none -o " + dir + "/residues.safetensors -t 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(dir + "/residues.ids.txt"), names);
  Tensor cls = read_npy(dir + "/cls.npy"), layer0 = read_npy(dir + "/layer0.npy"),
         layer2 = read_npy(dir + "/layer2.npy");
  EXPECT_EQ(cls.shape(), mean.shape());
  EXPECT_EQ(layer0.shape(), mean.shape());
  // Different vectors, not a relabelling: cls is not the residue mean, the embeddings (layer 0) are
  // not the final layer, and block 2's residual stream is not the final norm's output.
  EXPECT_GT(relative_diff(cls, mean), 0.1);
  EXPECT_GT(relative_diff(layer0, mean), 0.1);
  EXPECT_GT(relative_diff(layer2, mean), 0.1);

  auto model = load_model(model_dir());
  Checkpoint residues = Checkpoint::open(dir + "/residues.safetensors");
  for (int64_t i = 0; i < 4; ++i) {
    const auto& [name, seq] = proteins()[i];
    const int64_t L = static_cast<int64_t>(seq.size());
    for (auto [pooling, layer, got] :
         {std::tuple{Pooling::mean, int64_t{-1}, mean}, std::tuple{Pooling::cls, int64_t{-1}, cls},
          std::tuple{Pooling::mean, int64_t{0}, layer0}}) {
      Tensor want = Embedder(*model, {.pooling = pooling, .layer = layer}).embed(seq).vectors;
      EXPECT_LE(relative_diff(got.select(i), want), 1e-5) << name;
    }
    // One [residues, D] array per record (no <cls>/<eos> rows), whose mean is the mean row.
    Tensor per_residue = residues.get(name, {L, 32});
    Tensor row_mean = Tensor::empty({32});
    for (int64_t d = 0; d < 32; ++d) {
      double s = 0;
      for (int64_t t = 0; t < L; ++t) s += per_residue.data<float>()[t * 32 + d];
      row_mean.data<float>()[d] = static_cast<float>(s / L);
    }
    EXPECT_LE(relative_diff(row_mean, mean.select(i)), 1e-5) << name;
  }
  // Lower case is read as upper case.
  EXPECT_EQ(relative_diff(mean.select(2), mean.select(3)), 0.0);
}

TEST_F(EmbedProteinCli, StdinAndGzipGiveTheSameVectors) {
  const std::string dir = temp_dir(), fasta = write_proteins(dir);
  ASSERT_EQ(run_spindle(embed(fasta + " -o " + dir + "/file.npy -t 2")).exit_code, 0);
  auto r = run_command("cat " + fasta + " | " + spindle_binary() + " " +
                       embed("- -o " + dir + "/stdin.npy -t 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(run_command("gzip -c " + fasta + " > " + dir + "/proteins.fa.gz").exit_code, 0);
  ASSERT_EQ(run_spindle(embed(dir + "/proteins.fa.gz -o " + dir + "/gz.npy -t 1")).exit_code, 0);
  Tensor file = read_npy(dir + "/file.npy");
  EXPECT_EQ(relative_diff(read_npy(dir + "/stdin.npy"), file), 0.0);
  EXPECT_LE(relative_diff(read_npy(dir + "/gz.npy"), file), 1e-5);  // another thread count
  EXPECT_EQ(read_text(dir + "/stdin.ids.txt"), read_text(dir + "/file.ids.txt"));
}

TEST_F(EmbedProteinCli, BadResiduesAndDnaOnlyOptionsAreOneLineErrorsWithNoOutput) {
  const std::string dir = temp_dir(), out = temp_dir();
  write_text(dir + "/bad.fa", ">ok\nMKTAYIAK\n>bad_one\nMKTAYJAK\n");
  auto r = run_spindle(embed(dir + "/bad.fa -o " + out + "/e.npy"));
  expect_error_line(r,
                    "bad.fa: record bad_one: residue 'J' at position 6 is not in the ESM alphabet");
  write_text(dir + "/stop.fa", ">stop\nMKTAYIAK*\n");
  expect_error_line(run_spindle(embed(dir + "/stop.fa -o " + out + "/e.npy")),
                    "record stop: residue '*' at position 9");
  expect_only_files(out, {});

  // Options that make no sense for proteins are usage errors (exit 2).
  const std::string ok = dir + "/bad.fa -o " + out + "/e.npy";
  expect_error_line(run_spindle(embed(ok + " --rc-average")), "--rc-average is for DNA models", 2);
  expect_error_line(run_spindle(embed(ok + " --pool last")), "--pool last is for DNA models", 2);
  expect_error_line(run_spindle(embed(ok + " --max-len 1023")), "context of 1022 residues", 2);
  expect_only_files(out, {});
}

TEST_F(EmbedProteinCli, ProteinsBeyondTheContextNeedMaxLen) {
  // BLAT_ECOLX four times over: 1052 residues, more than the 1022 one pass takes.
  const std::string dir = temp_dir(), out = temp_dir();
  std::string blat = fasta_sequence(blat_fasta()), longer = blat + blat + blat + blat;
  write_text(dir + "/long.fa", ">short\n" + blat + "\n>long\n" + longer + "\n");
  auto r = run_spindle(embed(dir + "/long.fa -o " + out + "/e.npy"));
  expect_error_line(
      r,
      "long.fa: record long: protein of 1052 residues is longer than the model's context of 1022");
  EXPECT_NE(r.err.find("--max-len"), std::string::npos) << r.err;
  expect_only_files(out, {});

  r = run_spindle(embed(dir + "/long.fa --max-len 600 --overlap 100 -o " + out + "/e.npy -t 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Tensor emb = read_npy(out + "/e.npy");
  ASSERT_EQ(emb.shape(), (Shape{2, 32}));
  auto model = load_model(model_dir());
  Embedder windows(*model, {.max_len = 600, .overlap = 100});
  EXPECT_LE(relative_diff(emb.select(0), windows.embed(blat).vectors), 1e-5);
  EXPECT_LE(relative_diff(emb.select(1), windows.embed(longer).vectors), 1e-5);
  // The short protein fits one window: exactly its whole-protein vector.
  EXPECT_LE(relative_diff(emb.select(0), Embedder(*model, {}).embed(blat).vectors), 1e-5);
  // Per residue, the long protein keeps all its 1052 rows.
  r = run_spindle(
      embed(dir + "/long.fa --max-len 600 --pool none -o " + out + "/r.safetensors -t 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NO_THROW(Checkpoint::open(out + "/r.safetensors").get("long", {1052, 32}));
}

TEST_F(EmbedProteinCli, InitRandomEsm2WritesTheRealLayout) {
  auto r = run_spindle("model info " + model_dir());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("architecture\tesm2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("context\t1024"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unexpected_tensors\t0"), std::string::npos) << r.out;
  EXPECT_EQ(
      run_spindle("model init-random --arch esm2 --d-model 40 -o " + temp_dir() + "/x").exit_code,
      2);
  EXPECT_EQ(
      run_spindle("model init-random --arch esm2 --d-model 40 --heads 3 -o " + temp_dir() + "/x")
          .exit_code,
      2);
  EXPECT_EQ(
      run_spindle("model init-random --arch esm2 --d-model 40 --heads 4 -o " + temp_dir() + "/x")
          .exit_code,
      0);
  EXPECT_EQ(run_spindle("model init-random --heads 4 -o " + temp_dir() + "/y").exit_code, 2);
}

// --precision bf16 stores the matrix weights in bf16 (f32 accumulation): the vectors stay within
// the bf16 budget of the f32 run. --device cuda without a GPU is a machine fact (exit 1), a
// misspelt device or precision a usage error (exit 2); none leaves output behind.
TEST_F(EmbedProteinCli, DeviceAndPrecisionOptions) {
  const std::string dir = temp_dir(), out = temp_dir();
  const std::string fasta = write_proteins(dir);
  ASSERT_EQ(run_spindle(embed(fasta + " -o " + out + "/f32.npy -t 2 --device cpu")).exit_code, 0);
  auto r = run_spindle(embed(fasta + " -o " + out + "/bf16.npy -t 2 --precision bf16"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double diff = relative_diff(read_npy(out + "/bf16.npy"), read_npy(out + "/f32.npy"));
  EXPECT_LE(diff, 1e-2);
  EXPECT_GT(diff, 0.0);  // the weights really were rounded
  std::printf("[bf16] embed --precision bf16 vs f32: relative difference %.2e\n", diff);

  const std::string clean = temp_dir();
  const std::string args = fasta + " -o " + clean + "/e.npy";
  if (!cuda_available()) expect_error_line(run_spindle(embed(args + " --device cuda")), "--device cuda: no usable GPU", 1);
  expect_error_line(run_spindle(embed(args + " --device gpu")), "--device must be auto, cpu or cuda", 2);
  expect_error_line(run_spindle(embed(args + " --precision fp8")), "--precision must be f32 or bf16", 2);
  expect_only_files(clean, {});
  if (!cuda_available())
    expect_error_line(run_spindle("model forward " + model_dir() + " --ids " + dir + "/none.npy --logits " + clean +
                                  "/l.npy --device cuda"),
                      "--device cuda: no usable GPU", 1);
}

// A CPU run never looks for the CUDA backend (no libcuda, cuBLAS or cuFFT in the process): not
// with --device cpu, and not with the default --device auto when no model is loaded (k-mer sketch
// alignment, MSA scoring). auto with a model that could run on a GPU does look.
TEST_F(EmbedProteinCli, CpuRunsNeverLookForTheCudaBackend) {
  if (!cuda_compiled()) GTEST_SKIP() << "built without CUDA: there is no backend to look for";
  const std::string dir = temp_dir(), out = temp_dir();
  const std::string fasta = write_proteins(dir);
  const std::string trace = "SPINDLE_TRACE_CUDA_LOAD=1 ";
  const std::string looked = "looking for the CUDA backend";
  auto r = run_command(trace + spindle_binary() + " " + embed(fasta + " -o " + out + "/cpu.npy -t 1 --device cpu"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find(looked), std::string::npos) << r.err;

  const std::string ref = source_dir() + "/data/genomics/sarscov2_MN908947.fasta";
  r = run_command(trace + spindle_binary() + " index ref " + ref + " -o " + out + "/ref.idx -t 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find(looked), std::string::npos) << "k-mer sketch index, default --device auto: " << r.err;

  r = run_command(trace + spindle_binary() + " " + embed(fasta + " -o " + out + "/auto.npy -t 1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(looked), std::string::npos) << "--device auto with an ESM model asks: " << r.err;
}
