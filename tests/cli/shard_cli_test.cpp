// `--shard I/N` on align, embed and score: the shards' outputs, merged as docs/scale-out.md says,
// are exactly what one unsharded process writes; bad shard specs are usage errors (exit 2).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "kernels/io/npy.h"
#include "tests/cli/cli_util.h"

using namespace spindle;
using namespace spindle::test;

namespace {

std::string genomics(const std::string& name) { return source_dir() + "/data/genomics/" + name; }
std::string proteins(const std::string& name) { return source_dir() + "/data/proteins/" + name; }

class ShardCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(temp_dir());
    auto r = run_spindle("index ref " + genomics("sarscov2_MN908947.fasta") + " -o " + *dir_ + "/sc2.idx -t 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_spindle("model init-random --d-model 32 --n-layer 2 --max-seq-len 2050 --seed 3 -o " + *dir_ + "/model");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static std::string dir() { return *dir_; }
  static std::string* dir_;
};
std::string* ShardCli::dir_ = nullptr;

// The alignment records of a SAM/BAM, sorted (a name/position-stable comparison), plus its @SQ and
// @RG lines; @HD (sort order) and @PG (command lines) differ between sharded and unsharded runs.
std::string records(const std::string& path) {
  auto r = run_command("samtools view -h " + path + " | grep -v -e '^@PG' -e '^@HD' | LC_ALL=C sort");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// Aligns `inputs` unsharded and as N shards; the shards merged (samtools merge) hold the same records.
void expect_shards_merge_to_whole(const std::string& dir, const std::string& inputs, const std::string& options, int n,
                                  const std::string& tag) {
  const std::string index = dir + "/sc2.idx";
  std::string whole = dir + "/" + tag + ".whole.bam";
  auto r = run_spindle("align " + index + " " + inputs + " " + options + " -t 2 -o " + whole);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string shards;
  for (int i = 1; i <= n; ++i) {
    std::string out = dir + "/" + tag + ".shard" + std::to_string(i) + ".bam";
    r = run_spindle("align " + index + " " + inputs + " " + options + " --shard " + std::to_string(i) + "/" +
                    std::to_string(n) + " -t 2 -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    shards += " " + out;
  }
  std::string merged = dir + "/" + tag + ".merged.bam";
  auto m = run_command("samtools merge -f -c -p -o " + merged + shards);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  std::string a = records(whole), b = records(merged);
  EXPECT_GT(a.size(), 1000u);
  EXPECT_EQ(a, b) << tag;
}

TEST_F(ShardCli, PairedShardsMergeToTheUnshardedAlignment) {
  // 100 pairs: each shard's own 33 pairs would give a different insert-size model; every shard
  // estimates it from the whole first batch instead.
  expect_shards_merge_to_whole(dir(), genomics("sarscov2_ERR5069949_1.fastq.gz") + " " +
                                          genomics("sarscov2_ERR5069949_2.fastq.gz"),
                               "-R '@RG\\tID:x\\tSM:y'", 3, "pe");
  auto r = run_spindle("align " + dir() + "/sc2.idx " + genomics("sarscov2_ERR5069949_1.fastq.gz") + " " +
                       genomics("sarscov2_ERR5069949_2.fastq.gz") + " --shard 2/3 -t 2 -o " + dir() + "/pe2.sam");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("(from 99 pairs)"), std::string::npos) << r.err;  // the whole first batch
  EXPECT_NE(r.err.find("aligned 66 reads"), std::string::npos) << r.err;  // pairs 2, 5, ..., 98
}

TEST_F(ShardCli, PairedShardsWithGivenInsertRangeAndSmallBatches) {
  expect_shards_merge_to_whole(dir(), genomics("sarscov2_ERR5069949_1.fastq.gz") + " " +
                                          genomics("sarscov2_ERR5069949_2.fastq.gz"),
                               "-I 50 600 --batch 16", 4, "pe_i");
}

TEST_F(ShardCli, SingleEndShardsMergeToTheUnshardedAlignment) {
  expect_shards_merge_to_whole(dir(), genomics("sarscov2_ERR5069949_2.fastq.gz"), "--batch 7", 3, "se");
}

TEST_F(ShardCli, MoreShardsThanReadsGiveEmptyButValidOutputs) {
  std::string fq = dir() + "/two.fq";
  write_text(fq, "@a\nACGTACGTACGTACGTACGTACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII\n"
                 "@b\nTTGACCATTGACCATTGACCATTGACCATTGACCATTGAC\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII\n");
  auto r = run_spindle("align " + dir() + "/sc2.idx " + fq + " --shard 4/4 -o " + dir() + "/empty.sam");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto c = run_command("samtools view -c " + dir() + "/empty.sam");
  EXPECT_EQ(c.out, "0\n");
}

TEST_F(ShardCli, EmbedShardsConcatenateToTheUnshardedEmbedding) {
  const std::string reads = genomics("sarscov2_ERR5069949_1.fastq.gz"), model = dir() + "/model";
  auto r = run_spindle("embed --model " + model + " " + reads + " -t 2 -o " + dir() + "/whole.npy");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Tensor whole = read_npy(dir() + "/whole.npy");
  ASSERT_EQ(whole.dim(0), 100);
  std::vector<float> rows;
  std::string ids, row_numbers;
  for (int i = 1; i <= 3; ++i) {
    std::string out = dir() + "/part" + std::to_string(i);
    r = run_spindle("embed --model " + model + " " + reads + " --shard " + std::to_string(i) + "/3 -t 2 -o " + out +
                    ".npy");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Tensor t = read_npy(out + ".npy");
    ASSERT_EQ(t.dim(1), whole.dim(1));
    EXPECT_GE(t.dim(0), 33);
    rows.insert(rows.end(), t.data<float>(), t.data<float>() + t.numel());
    ids += read_text(out + ".ids.txt");
    row_numbers += read_text(out + ".rows.txt");
  }
  ASSERT_EQ(rows.size(), static_cast<size_t>(whole.numel()));
  EXPECT_EQ(std::memcmp(rows.data(), whole.data<float>(), rows.size() * sizeof(float)), 0);
  EXPECT_EQ(ids, read_text(dir() + "/whole.ids.txt"));
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += std::to_string(i) + "\n";
  EXPECT_EQ(row_numbers, expected);  // ids for `index build --ids`: the unsharded rows
  EXPECT_FALSE(std::filesystem::exists(dir() + "/whole.rows.txt"));
}

TEST_F(ShardCli, EmbedShardNeedsAFile) {
  auto r = run_command("cat " + genomics("sarscov2_ERR5069949_1.fastq.gz") + " | " + spindle_binary() +
                       " embed --model " + dir() + "/model - --shard 1/2 -o " + dir() + "/stdin.npy");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("stdin"), std::string::npos) << r.err;
}

TEST_F(ShardCli, ScoreShardsConcatenateToTheUnshardedCsv) {
  const std::string common = "score --wt " + proteins("BLAT_ECOLX.wt.fasta") + " --msa " +
                             proteins("BLAT_ECOLX.every5.a2m") + " --model independent --mutations " +
                             proteins("BLAT_ECOLX_Ranganathan2015.csv");
  auto r = run_spindle(common + " -o " + dir() + "/whole.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string gathered;
  for (int i = 1; i <= 4; ++i) {
    std::string out = dir() + "/score" + std::to_string(i) + ".csv";
    r = run_spindle(common + " --shard " + std::to_string(i) + "/4 -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string text = read_text(out);
    gathered += i == 1 ? text : text.substr(text.find('\n') + 1);  // every shard has the header
  }
  EXPECT_EQ(gathered, read_text(dir() + "/whole.csv"));
}

TEST_F(ShardCli, BadShardSpecsAreUsageErrors) {
  const std::string align = "align " + dir() + "/sc2.idx " + genomics("sarscov2_ERR5069949_1.fastq.gz") + " -o " +
                            dir() + "/bad.sam";
  const std::string embed = "embed --model " + dir() + "/model " + genomics("sarscov2_ERR5069949_1.fastq.gz") + " -o " +
                            dir() + "/bad.npy";
  const std::string score = "score --wt " + proteins("BLAT_ECOLX.wt.fasta") + " --msa " +
                            proteins("BLAT_ECOLX.every5.a2m") + " --mutations A23V -o " + dir() + "/bad.csv";
  for (const std::string& command : {align, embed, score})
    for (const char* spec : {"0/4", "5/4", "x", "1/0", "2/", "/2", "1/2/3", "-1/4", "1.5/4"}) {
      auto r = run_spindle(command + " --shard " + spec);
      EXPECT_EQ(r.exit_code, 2) << command << " --shard " << spec << "\n" << r.err;
      EXPECT_NE(r.err.find("--shard"), std::string::npos) << r.err;
    }
  EXPECT_FALSE(std::filesystem::exists(dir() + "/bad.sam"));
  EXPECT_FALSE(std::filesystem::exists(dir() + "/bad.npy"));
  EXPECT_FALSE(std::filesystem::exists(dir() + "/bad.csv"));
  EXPECT_EQ(run_spindle(align + " --shard 1/1").exit_code, 0);  // 1/1 is the whole input
}

}  // namespace
