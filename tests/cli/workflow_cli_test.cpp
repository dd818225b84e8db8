// workflow/Snakefile end to end: the bundled data through 3 shards (--cores 2) in a temp dir; every
// gathered output equals what one unsharded `spindle` process writes. Skips without snakemake.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/cli/cli_util.h"

using namespace spindle::test;

namespace {

std::string data(const std::string& name) { return source_dir() + "/data/" + name; }

std::string records(const std::string& path) {
  auto r = run_command("samtools view -h " + path + " | grep -v -e '^@PG' -e '^@HD' | LC_ALL=C sort");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

TEST(Workflow, ThreeShardsGatherToTheUnshardedOutputs) {
  if (run_command("snakemake --version").exit_code != 0)
    GTEST_SKIP() << "snakemake not installed (apt-get install --no-install-recommends snakemake; scripts/setup.sh "
                    "installs it): workflow/Snakefile not tested";
  const std::string dir = temp_dir();
  const auto start = std::chrono::steady_clock::now();
  auto r = run_command("snakemake -s " + source_dir() + "/workflow/Snakefile --cores 2 --quiet --directory " + dir +
                       " --config shards=3 spindle=" + spindle_binary() + " root=" + source_dir());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 60.0) << "the workflow test should stay under a minute";
  const std::string out = dir + "/results";

  // align: each sample's merged, sorted BAM holds the records of one unsharded run.
  const std::string r1 = data("genomics/sarscov2_ERR5069949_1.fastq.gz"), r2 = data("genomics/sarscov2_ERR5069949_2.fastq.gz");
  for (auto [sample, reads] : {std::pair<std::string, std::string>{"sc2_paired", r1 + " " + r2}, {"sc2_single", r1}}) {
    std::string whole = dir + "/" + sample + ".whole.bam";
    auto a = run_spindle("align " + out + "/ref/reference.idx " + reads + " -R '@RG\\tID:" + sample + "\\tSM:" +
                         sample + "' -t 2 -o " + whole);
    ASSERT_EQ(a.exit_code, 0) << a.err;
    std::string expected = records(whole);
    EXPECT_GT(expected.size(), 1000u);
    EXPECT_EQ(records(out + "/align/" + sample + ".bam"), expected) << sample;
    EXPECT_TRUE(std::filesystem::exists(out + "/align/" + sample + ".bam.bai"));
    EXPECT_NE(read_text(out + "/align/" + sample + ".flagstat.txt").find(sample == "sc2_paired" ? "200 + 0 in total"
                                                                                                 : "100 + 0 in total"),
              std::string::npos);
  }

  // embed: the gathered .npy and ids are byte-identical; the merged index answers like one built whole.
  auto e = run_spindle("embed --model " + out + "/embed/random_hyena " + r1 + " -t 2 -o " + dir + "/whole.npy");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(read_text(out + "/embed/sc2_reads.npy"), read_text(dir + "/whole.npy"));
  EXPECT_EQ(read_text(out + "/embed/sc2_reads.ids.txt"), read_text(dir + "/whole.ids.txt"));
  auto b = run_spindle("index build " + dir + "/whole.npy --factory Flat -o " + dir + "/whole.idx");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto s1 = run_spindle("index search " + dir + "/whole.idx " + dir + "/whole.npy -k 5 -o -");
  auto s2 = run_spindle("index search " + out + "/embed/sc2_reads.idx " + dir + "/whole.npy -k 5 -o -");
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  ASSERT_EQ(s2.exit_code, 0) << s2.err;
  EXPECT_EQ(s1.out, s2.out);

  // score: the gathered CSV is byte-identical.
  auto sc = run_spindle("score --wt " + data("proteins/BLAT_ECOLX.wt.fasta") + " --msa " +
                        data("proteins/BLAT_ECOLX.every5.a2m") + " --model independent --mutations " +
                        data("proteins/BLAT_ECOLX_Ranganathan2015.csv") + " -o " + dir + "/whole.csv");
  ASSERT_EQ(sc.exit_code, 0) << sc.err;
  EXPECT_EQ(read_text(out + "/score/BLAT_ECOLX.csv"), read_text(dir + "/whole.csv"));
}

}  // namespace
