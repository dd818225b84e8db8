// `spindle index ref` + `spindle align` as users run them, on the bundled SARS-CoV-2 genome and
// real NextSeq reads: samtools accepts the output; bad inputs give one line, exit 1, no output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "genomics/fastx_reader.h"
#include "models/sequence.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

namespace fs = std::filesystem;

std::string data(const std::string& name) { return test::source_dir() + "/data/genomics/" + name; }

class AlignCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(test::temp_dir());
    auto r = test::run_command(test::spindle_binary() + " index ref " + data("sarscov2_MN908947.fasta") + " -o " +
                               *dir_ + "/sc2.idx -t 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static std::string index() { return *dir_ + "/sc2.idx"; }
  static std::string spindle() { return test::spindle_binary(); }
  // Files in `dir` other than the expected ones (temporaries left behind).
  static int entries(const std::string& dir) {
    int n = 0;
    for (auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().find(".tmp.") != std::string::npos;
    return n;
  }
  static std::string* dir_;
};
std::string* AlignCli::dir_ = nullptr;

TEST_F(AlignCli, PairedBamIsAcceptedBySamtoolsAndMostReadsMap) {
  std::string out = test::temp_dir() + "/pe.bam";
  auto r = test::run_command(spindle() + " align " + index() + " " + data("sarscov2_ERR5069949_1.fastq.gz") + " " +
                             data("sarscov2_ERR5069949_2.fastq.gz") + " -o " + out + " -t 2 -R '@RG\\tID:run1\\tSM:s'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("reads/s"), std::string::npos);
  EXPECT_NE(r.err.find("Peak RSS"), std::string::npos);
  auto flagstat = test::run_command("samtools flagstat " + out);
  ASSERT_EQ(flagstat.exit_code, 0) << flagstat.err;
  EXPECT_NE(flagstat.out.find("200 + 0 in total"), std::string::npos) << flagstat.out;
  auto quick = test::run_command("samtools quickcheck " + out);
  EXPECT_EQ(quick.exit_code, 0);
  // Real reads of the same virus: essentially all map, nearly all in proper pairs.
  auto mapped = test::run_command("samtools view -c -F 4 " + out);
  EXPECT_GE(std::stoi(mapped.out), 195);
  auto proper = test::run_command("samtools view -c -f 2 " + out);
  EXPECT_GE(std::stoi(proper.out), 190);
  auto header = test::run_command("samtools view -H " + out);
  EXPECT_NE(header.out.find("@SQ\tSN:MN908947\tLN:29903"), std::string::npos);
  EXPECT_NE(header.out.find("@RG\tID:run1\tSM:s"), std::string::npos);
  EXPECT_NE(header.out.find("@PG\tID:spindle"), std::string::npos);
  EXPECT_NE(header.out.find("CL:"), std::string::npos);
  auto sorted = test::run_command("samtools sort -o " + test::temp_dir() + "/s.bam " + out);
  EXPECT_EQ(sorted.exit_code, 0) << sorted.err;
}

TEST_F(AlignCli, SingleEndSamToStdoutAndCram) {
  auto r = test::run_command(spindle() + " align " + index() + " " + data("sarscov2_ERR5069949_1.fastq.gz") +
                             " -o - -t 1 | samtools view -c -F 4 -");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(std::stoi(r.out), 97);
  // CRAM takes the reference FASTA (checked against the index); without it, a usage error.
  // htslib writes a .fai beside the FASTA: use a copy, not the bundled file.
  const std::string fasta = test::temp_dir() + "/ref.fa";
  fs::copy_file(data("sarscov2_MN908947.fasta"), fasta, fs::copy_options::overwrite_existing);
  std::string cram = test::temp_dir() + "/se.cram";
  auto c = test::run_command(spindle() + " align " + index() + " " + data("sarscov2_ERR5069949_1.fastq.gz") + " -o " +
                             cram + " --reference " + fasta + " && samtools view -c --reference " + fasta + " " + cram);
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(std::stoi(c.out), 100);
  auto no_ref = test::run_command(spindle() + " align " + index() + " " + data("sarscov2_ERR5069949_1.fastq.gz") +
                                  " -o " + test::temp_dir() + "/noref.cram");
  EXPECT_EQ(no_ref.exit_code, 2) << no_ref.err;
  EXPECT_NE(no_ref.err.find("--reference"), std::string::npos) << no_ref.err;
  EXPECT_FALSE(fs::exists(test::temp_dir() + "/noref.cram"));
}

TEST_F(AlignCli, ReadsFromStdinAndInterleaved) {
  std::string tmp = test::temp_dir();
  {  // interleave the two mate files
    FastxReader r1(data("sarscov2_ERR5069949_1.fastq.gz")), r2(data("sarscov2_ERR5069949_2.fastq.gz"));
    std::ofstream il(tmp + "/il.fq");
    SeqRecord a, b;
    while (r1.next(a) && r2.next(b))
      for (auto* r : {&a, &b}) il << '@' << r->name << '\n' << r->seq << "\n+\n" << r->qual << '\n';
  }
  auto r = test::run_command("cat " + tmp + "/il.fq | " + spindle() + " align " + index() + " - -p -o " + tmp + "/il.sam");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto paired = test::run_command("samtools view -c -f 1 " + tmp + "/il.sam");
  EXPECT_EQ(std::stoi(paired.out), 200);
}

TEST_F(AlignCli, BadInputsExitOneWithOneLineAndNoOutput) {
  std::string tmp = test::temp_dir();
  std::string out = tmp + "/bad.bam";
  auto expect_error = [&](const std::string& args, const std::string& words) {
    auto r = test::run_command(spindle() + " align " + args + " -o " + out);
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.err;
    EXPECT_NE(r.err.find("spindle: error: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out)) << args;
    EXPECT_EQ(entries(tmp), 0) << "temporary file left behind by " << args;
  };
  // Truncated gzip reads file.
  std::string truncated = tmp + "/trunc.fq.gz";
  fs::copy_file(data("sarscov2_ERR5069949_1.fastq.gz"), truncated);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  expect_error(index() + " " + truncated, "truncated");
  // Non-ACGTN sequence.
  std::ofstream(tmp + "/bad.fq") << "@r1\nACGTACGTXACGT\n+\nIIIIIIIIIIIII\n";
  expect_error(index() + " " + tmp + "/bad.fq", "invalid base 'X'");
  // Mates with different counts.
  auto head = test::run_command("zcat " + data("sarscov2_ERR5069949_2.fastq.gz") + " | head -n 200 > " + tmp + "/m2.fq");
  ASSERT_EQ(head.exit_code, 0);
  expect_error(index() + " " + data("sarscov2_ERR5069949_1.fastq.gz") + " " + tmp + "/m2.fq", "different counts");
  // Empty reads file.
  std::ofstream(tmp + "/empty.fq").close();
  expect_error(index() + " " + tmp + "/empty.fq", "empty");
  // Reference that does not match the index.
  std::ofstream(tmp + "/other.fa") << ">MN908947\nACGTACGTACGTACGTACGT\n";
  expect_error(index() + " " + data("sarscov2_ERR5069949_1.fastq.gz") + " --reference " + tmp + "/other.fa",
               "does not match");
  // Index made by another encoder, and by another format version.
  for (auto [from, to, words] : {std::tuple{std::string("\"encoder\": \"kmer-sketch-v1 k=11"),
                                            std::string("\"encoder\": \"kmer-sketch-v1 k=15"), std::string("encoder")},
                                 std::tuple{std::string("\"format_version\": 2"), std::string("\"format_version\": 99"),
                                            std::string("format version 99")},
                                 // An index of the previous layout (reference.fa, no minimizers).
                                 std::tuple{std::string("\"format_version\": 2"), std::string("\"format_version\": 1"),
                                            std::string("rebuild it with `spindle index ref`")}}) {
    std::string copy = tmp + "/copy.idx";
    fs::remove_all(copy);
    fs::copy(index(), copy, fs::copy_options::recursive);
    std::ifstream in(copy + "/manifest.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_NE(text.find(from), std::string::npos) << text;
    text.replace(text.find(from), from.size(), to);
    std::ofstream(copy + "/manifest.json") << text;
    expect_error(copy + " " + data("sarscov2_ERR5069949_1.fastq.gz"), words);
  }
  {  // A damaged minimizer index is caught by its checksum.
    std::string copy = tmp + "/damaged.idx";
    fs::remove_all(copy);
    fs::copy(index(), copy, fs::copy_options::recursive);
    std::fstream f(copy + "/minimizers.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
    f.close();
    expect_error(copy + " " + data("sarscov2_ERR5069949_1.fastq.gz"), "checksum");
  }
  // A read longer than the short-read path takes, and longer than any path takes.
  std::ofstream(tmp + "/long.fa") << ">long\n" << std::string(20001, 'A') << "\n";
  expect_error(index() + " " + tmp + "/long.fa -x sr", "takes reads up to 20000 bp with -x sr");
  std::ofstream(tmp + "/huge.fa") << ">huge\n" << std::string(1000001, 'A') << "\n";
  expect_error(index() + " " + tmp + "/huge.fa", "takes reads up to 1000000 bp");
}

TEST_F(AlignCli, IndexRefRejectsReferencesWithoutBasesOrWithRepeatedNames) {
  const std::string tmp = test::temp_dir();
  std::ofstream(tmp + "/n.fa") << ">a\nNNNNNNNNNN\n";
  std::ofstream(tmp + "/dup.fa") << ">a\nACGTACGTAC\n>a\nACGTACGTAC\n";
  std::ofstream(tmp + "/junk.fa") << ">a\nACGT#ACGT\n";
  for (auto [file, words] : {std::pair{"n.fa", "no A, C, G or T"}, std::pair{"dup.fa", "duplicate sequence name a"},
                             std::pair{"junk.fa", "invalid base"}}) {
    auto r = test::run_command(spindle() + " index ref " + tmp + "/" + file + " -o " + tmp + "/out.idx");
    EXPECT_EQ(r.exit_code, 1) << file << r.err;
    EXPECT_NE(r.err.find(std::string("spindle: error: ") + tmp + "/" + file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(tmp + "/out.idx"));
    EXPECT_EQ(entries(tmp), 0);
  }
}

TEST_F(AlignCli, SparseAndExhaustiveSearchPlaceRealReadsAlike) {
  const std::string tmp = test::temp_dir();
  for (const char* mode : {"sparse", "exhaustive"}) {
    auto r = test::run_command(spindle() + " align " + index() + " " + data("sarscov2_ERR5069949_1.fastq.gz") +
                               " --search " + mode + " -o " + tmp + "/" + mode + ".sam");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("[spindle] search:"), std::string::npos) << r.err;
  }
  auto diff = test::run_command("cd " + tmp + " && grep -v '^@PG' sparse.sam > a && grep -v '^@PG' exhaustive.sam > b" +
                                " && (diff a b | grep -c '^<' || true)");
  EXPECT_LE(std::stoi(diff.out), 2) << "records that differ between the two candidate searches";
  auto bad = test::run_command(spindle() + " align " + index() + " " + data("sarscov2_ERR5069949_1.fastq.gz") +
                               " --search everything");
  EXPECT_EQ(bad.exit_code, 2);
}

// DNA-ESA: windows and reads embedded by a model (random-weight HyenaDNA in the HF layout). The
// index records the model; aligning with another model is a one-line error without output.
TEST_F(AlignCli, ModelEncoderIndexAlignsAndRefusesAnotherModel) {
  const std::string dir = test::temp_dir() + "/model_esa";
  fs::create_directories(dir);
  for (const char* seed : {"5", "6"}) {
    auto r = test::run_command(spindle() + " model init-random --d-model 32 --n-layer 2 --max-seq-len 1026 --seed " +
                               seed + " -o " + dir + "/m" + seed);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto built = test::run_command(spindle() + " index ref " + data("sarscov2_MN908947.fasta") + " --model " + dir +
                                 "/m5 -o " + dir + "/idx -t 2");
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_NE(built.err.find("encoder model-v1"), std::string::npos) << built.err;

  const std::string out = dir + "/pe.bam";
  auto r = test::run_command(spindle() + " align " + dir + "/idx " + data("sarscov2_ERR5069949_1.fastq.gz") + " " +
                             data("sarscov2_ERR5069949_2.fastq.gz") + " --model " + dir + "/m5 -o " + out + " -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto total = test::run_command("samtools view -c " + out);
  EXPECT_EQ(std::stoi(total.out), 200);
  auto mapped = test::run_command("samtools view -c -F 4 " + out);
  EXPECT_GE(std::stoi(mapped.out), 190);  // 198 measured: a 30 kb genome has only 199 windows

  const std::string wrong = dir + "/wrong.bam";
  auto other = test::run_command(spindle() + " align " + dir + "/idx " + data("sarscov2_ERR5069949_1.fastq.gz") +
                                 " --model " + dir + "/m6 -o " + wrong);
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("not the model this index was built with"), std::string::npos) << other.err;
  EXPECT_FALSE(fs::exists(wrong));
  EXPECT_EQ(entries(dir), 0);
}

// Long reads: noisy 4-6 kb reads of the genome map with a preset and without one (by length);
// unknown presets and long-read presets on pairs are usage errors.
TEST_F(AlignCli, LongReadsMapWithAPresetOrByLength) {
  const std::string tmp = test::temp_dir();
  std::string genome;
  {
    FastxReader fa(data("sarscov2_MN908947.fasta"));
    SeqRecord r;
    fa.next(r);
    genome = r.seq;
  }
  std::mt19937 rng(3);
  {
    std::ofstream fq(tmp + "/long.fq");
    for (int i = 0; i < 20; ++i) {
      const size_t len = 4000 + rng() % 2000, pos = rng() % (genome.size() - len);
      std::string s;
      for (char c : genome.substr(pos, len)) {
        const int r = rng() % 100;  // 10% errors: 4 substitutions, 3 insertions, 3 deletions
        if (r < 4) s += c == 'A' ? 'C' : 'A';
        else if (r < 7) s += std::string(1, c) + 'G';
        else if (r >= 10) s += c;
      }
      if (i % 2) s = reverse_complement(s);
      fq << "@long" << i << "\n" << s << "\n+\n" << std::string(s.size(), '5') << "\n";
    }
  }
  for (const char* preset : {" -x map-ont", ""}) {
    auto r = test::run_command(spindle() + " align " + index() + " " + tmp + "/long.fq" + preset + " -o " + tmp +
                               "/long.bam");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto mapped = test::run_command("samtools view -c -F 0x904 -q 20 " + tmp + "/long.bam");
    EXPECT_EQ(std::stoi(mapped.out), 20) << preset;
  }
  auto bad = test::run_command(spindle() + " align " + index() + " " + tmp + "/long.fq -x map-rna");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown preset"), std::string::npos) << bad.err;
  auto pairs = test::run_command(spindle() + " align " + index() + " " + data("sarscov2_ERR5069949_1.fastq.gz") + " " +
                                 data("sarscov2_ERR5069949_2.fastq.gz") + " -x map-pb -o " + tmp + "/pe.bam");
  EXPECT_EQ(pairs.exit_code, 2) << pairs.err;
  EXPECT_FALSE(fs::exists(tmp + "/pe.bam"));
}

TEST_F(AlignCli, UsageErrorsExitTwo) {
  auto r = test::run_command(spindle() + " align " + index() + " - - -o x.bam");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  auto rg = test::run_command(spindle() + " align " + index() + " " + data("sarscov2_ERR5069949_1.fastq.gz") +
                              " -R 'ID:x' -o " + test::temp_dir() + "/rg.bam");
  EXPECT_EQ(rg.exit_code, 2) << rg.err;
}

}  // namespace
}  // namespace spindle

namespace spindle {
namespace {

// Issue 16: htslib's own "[E::...]" lines no longer precede spindle's one-line error; a FASTQ cut
// before its '+' line is exit 1; a non-numeric -I is a usage error (exit 2), not "error: stoll".
TEST_F(AlignCli, TruncatedInputsGiveExactlyOneLineAndBadInsertRangeIsUsage) {
  const std::string tmp = test::temp_dir();
  std::string truncated = tmp + "/trunc.fq.gz";
  fs::copy_file(data("sarscov2_ERR5069949_1.fastq.gz"), truncated);
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  auto r = test::run_command(spindle() + " align " + index() + " " + truncated + " -o " + tmp + "/a.sam");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.find("[E::"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("[W::"), std::string::npos) << r.err;
  int error_lines = 0;
  std::istringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("spindle: error: ", 0) == 0) ++error_lines;
    else EXPECT_EQ(line.rfind("[spindle]", 0), 0u) << "unexpected stderr line: " << line;
  }
  EXPECT_EQ(error_lines, 1) << r.err;

  std::ofstream(tmp + "/cut.fq") << "@r1\nACGTACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIIIIIII\n@r2\nACGTACGTACGT\n";
  r = test::run_command(spindle() + " align " + index() + " " + tmp + "/cut.fq -o " + tmp + "/b.sam");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("spindle: error: " + tmp + "/cut.fq: record 2"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp + "/b.sam"));

  for (const char* bad : {"abc 500", "100 xyz", "12abc 500"}) {
    r = test::run_command(spindle() + " align " + index() + " " + tmp + "/cut.fq -I " + bad + " -o " + tmp + "/c.sam");
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_EQ(r.err.find("stoll"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace spindle
