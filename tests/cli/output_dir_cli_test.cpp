// Issue 16: `-o DIR` never deletes a directory that spindle did not make. An existing directory is
// replaced only when it is a spindle output of the same kind (or empty); anything else is refused
// with one error line, exit 1, and left untouched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "kernels/io/npy.h"
#include "tests/cli/cli_util.h"

namespace spindle {
namespace {

namespace fs = std::filesystem;

class OutputDirCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::spindle_binary().empty()) GTEST_SKIP() << "core-only build: no spindle binary";
    dir = test::temp_dir();
    std::mt19937_64 rng(7);
    std::normal_distribution<float> normal;
    Tensor v = Tensor::empty({64, 8});
    for (int64_t i = 0; i < 64 * 8; ++i) v.data<float>()[i] = normal(rng);
    write_npy(dir + "/v.npy", v);
    std::string seq;
    const char* bases = "ACGT";
    for (int i = 0; i < 3000; ++i) seq += bases[rng() % 4];
    test::write_text(dir + "/ref.fa", ">chr1\n" + seq + "\n");
  }
  // A user's directory holding a file (and a manifest.json that is not spindle's).
  std::string user_dir(const std::string& name) {
    std::string d = dir + "/" + name;
    fs::create_directories(d);
    test::write_text(d + "/precious.txt", "keep me\n");
    test::write_text(d + "/manifest.json", "{\"kind\": \"my-own-thing\"}\n");
    return d;
  }
  void expect_intact(const std::string& d) {
    EXPECT_EQ(test::read_text(d + "/precious.txt"), "keep me\n");
    EXPECT_TRUE(fs::exists(d + "/manifest.json"));
    for (auto& e : fs::directory_iterator(dir))
      EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
  std::string dir;
};

TEST_F(OutputDirCli, IndexBuildRefusesAUserDirectoryAndReplacesItsOwnIndex) {
  const std::string user = user_dir("data");
  auto r = test::run_spindle("index build " + dir + "/v.npy --factory Flat -t 1 -o " + user);
  test::expect_one_line_error(r, user + ": is an existing directory that is not a spindle output");
  expect_intact(user);

  // A reference index is a spindle output, but not of this kind: refused too.
  auto ref = test::run_spindle("index ref " + dir + "/ref.fa -t 1 -o " + dir + "/ref.idx");
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  r = test::run_spindle("index build " + dir + "/v.npy --factory Flat -t 1 -o " + dir + "/ref.idx");
  test::expect_one_line_error(r, "not a spindle output of this kind");
  EXPECT_TRUE(fs::exists(dir + "/ref.idx/reference.2bit"));

  // An existing vector store is replaced; an empty directory is used.
  ASSERT_EQ(test::run_spindle("index build " + dir + "/v.npy --factory Flat -t 1 -o " + dir + "/store").exit_code, 0);
  test::write_text(dir + "/store/stale.txt", "old\n");
  auto again = test::run_spindle("index build " + dir + "/v.npy --factory Flat -t 1 -o " + dir + "/store");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_FALSE(fs::exists(dir + "/store/stale.txt"));
  EXPECT_TRUE(fs::exists(dir + "/store/manifest.json"));
  fs::create_directories(dir + "/empty");
  auto empty = test::run_spindle("index build " + dir + "/v.npy --factory Flat -t 1 -o " + dir + "/empty");
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_TRUE(fs::exists(dir + "/empty/manifest.json"));
}

TEST_F(OutputDirCli, IndexRefRefusesAUserDirectoryAndReplacesItsOwnIndex) {
  const std::string user = user_dir("genomes");
  auto r = test::run_spindle("index ref " + dir + "/ref.fa -t 1 -o " + user);
  test::expect_one_line_error(r, user + ": is an existing directory that is not a spindle output");
  expect_intact(user);

  // A vector store is not a reference index: refused.
  ASSERT_EQ(test::run_spindle("index build " + dir + "/v.npy --factory Flat -t 1 -o " + dir + "/store").exit_code, 0);
  r = test::run_spindle("index ref " + dir + "/ref.fa -t 1 -o " + dir + "/store");
  test::expect_one_line_error(r, "not a spindle output of this kind");
  EXPECT_TRUE(fs::exists(dir + "/store/manifest.json"));

  ASSERT_EQ(test::run_spindle("index ref " + dir + "/ref.fa -t 1 -o " + dir + "/ref.idx").exit_code, 0);
  test::write_text(dir + "/ref.idx/stale.txt", "old\n");
  auto again = test::run_spindle("index ref " + dir + "/ref.fa -t 1 -o " + dir + "/ref.idx");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_FALSE(fs::exists(dir + "/ref.idx/stale.txt"));
  EXPECT_TRUE(fs::exists(dir + "/ref.idx/reference.2bit"));
  for (auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".old."), std::string::npos) << e.path();
}

// A file output (`align -o`) never removes a directory of that name either.
TEST_F(OutputDirCli, AlignOutputOntoADirectoryIsRefused) {
  ASSERT_EQ(test::run_spindle("index ref " + dir + "/ref.fa -t 1 -o " + dir + "/ref.idx").exit_code, 0);
  test::write_text(dir + "/r.fq", "@r1\nACGTACGTACGTACGTACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII\n");
  const std::string user = user_dir("out.sam");
  auto r = test::run_spindle("align " + dir + "/ref.idx " + dir + "/r.fq -t 1 -o " + user);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  expect_intact(user);
}

}  // namespace
}  // namespace spindle
