// Issue 16, failure injection: a full disk (a file-size limit, `ulimit -f`) and a SIGKILL while
// writing. Whatever happens, nothing partial appears under the final output name, a previous
// output stays byte-for-byte intact, and only a kill leaves temporaries, named after the output
// ("<output>.tmp.<pid>") and ignored by later runs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <regex>
#include <thread>

#include "kernels/io/npy.h"
#include "tests/cli/cli_util.h"
#include "tests/index/mixture_vectors.h"

namespace spindle::test {
namespace {

namespace fs = std::filesystem;

// `spindle <args>` with writes limited to `limit_kib` KiB per file (bash counts ulimit -f in KiB).
CommandResult run_spindle_limited(int64_t limit_kib, const std::string& args) {
  return run_command("bash -c 'ulimit -f " + std::to_string(limit_kib) + " && exec " +
                     spindle_binary() + " " + args + "'");
}

// `records` random 60-base reads, deterministic in `seed`.
std::string reads_fasta(const std::string& path, int records, unsigned seed) {
  std::mt19937 rng(seed);
  std::string fasta;
  for (int i = 0; i < records; ++i) {
    fasta += ">read_" + std::to_string(i) + "\n";
    for (int j = 0; j < 60; ++j) fasta += "ACGT"[rng() % 4];
    fasta += "\n";
  }
  write_text(path, fasta);
  return path;
}

// Every file below `dir` (recursively, relative path -> contents).
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      files[fs::relative(e.path(), dir).string()] = read_text(e.path().string());
  return files;
}

class FailureInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    if (spindle_binary().empty()) GTEST_SKIP() << "core-only build: no spindle binary";
  }
};

// 2000 x 32 floats (256 KiB) cannot be written under a 100 KiB limit. spindle ignores SIGXFSZ, so
// the write fails with EFBIG: one error line, exit 1, the temporaries removed, the old output kept.
TEST_F(FailureInjection, EmbedOnAFullDiskKeepsThePreviousOutput) {
  std::string in = temp_dir(), out = temp_dir();
  std::string small = reads_fasta(in + "/small.fa", 50, 1),
              large = reads_fasta(in + "/large.fa", 2000, 2);
  for (const std::string& output : {"e.npy", "t.safetensors"}) {
    const std::string pool = output == "e.npy" ? "" : " --pool none";
    auto r = run_spindle("embed --model " + tiny_model_dir() + " " + small + pool + " -t 2 -o " +
                         out + "/" + output);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto before = snapshot(out);
  ASSERT_EQ(before.size(), 4u);  // e.npy, e.ids.txt, t.safetensors, t.ids.txt

  auto r = run_spindle_limited(
      100, "embed --model " + tiny_model_dir() + " " + large + " -t 2 -o " + out + "/e.npy");
  expect_error_line(r, out + "/e.npy: write failed: File too large");
  EXPECT_EQ(snapshot(out), before);  // same names, same bytes: no temporaries, nothing replaced

  // --pool none streams the arrays through a scratch file beside the output: it is what fills up.
  r = run_spindle_limited(100, "embed --model " + tiny_model_dir() + " " + large +
                                   " --pool none -t 2 -o " + out + "/t.safetensors");
  expect_error_line(r, out + "/t.safetensors.data: write failed: File too large");
  EXPECT_EQ(snapshot(out), before);
}

// index build writes the FAISS file through FAISS. Its own file writer only warned when the last
// flush (in fclose) failed: with the limit inside the file's last KiB, a truncated index was
// committed with exit 0. Both a limit in the middle and one in the last KiB must fail cleanly.
TEST_F(FailureInjection, IndexBuildOnAFullDiskKeepsThePreviousIndex) {
  std::string work = temp_dir(), out = temp_dir();
  write_npy(work + "/small.npy", mixture_vectors(100, 64, 3, 7, 1));
  write_npy(work + "/large.npy", mixture_vectors(5000, 64, 3, 7, 2));
  for (const std::string factory : {"Flat", "Int8Flat"}) {
    SCOPED_TRACE(factory);
    ASSERT_EQ(run_spindle("index build " + work + "/large.npy --factory " + factory + " -t 1 -o " +
                          work + "/size")
                  .exit_code,
              0);
    const std::string file = factory == "Flat" ? "index.faiss" : "index.i8";
    const int64_t bytes = static_cast<int64_t>(fs::file_size(work + "/size/" + file));
    ASSERT_NE(bytes % 1024, 0)
        << "the last-KiB case needs a file that does not end on a KiB boundary";
    fs::remove_all(out + "/idx");
    ASSERT_EQ(run_spindle("index build " + work + "/small.npy --factory " + factory + " -t 1 -o " +
                          out + "/idx")
                  .exit_code,
              0);
    const auto before = snapshot(out);
    for (int64_t limit_kib : {bytes / 1024, bytes / 2048}) {
      auto r = run_spindle_limited(limit_kib, "index build " + work + "/large.npy --factory " +
                                                  factory + " -t 1 -o " + out + "/idx");
      expect_error_line(r, out + "/idx/" + file + ": write failed: File too large");
      EXPECT_EQ(snapshot(out), before)
          << "limit " << limit_kib << " KiB";  // no idx.tmp.<pid> either
    }
  }
}

// The other writers on a full disk: `index ref` (a directory of 2-bit reference, minimizers and
// vectors) and `align` (SAM through htslib). Each fails with one error line and exit 1 and leaves
// the previous output as it was, with no temporaries beside it.
TEST_F(FailureInjection, IndexRefAndAlignOnAFullDiskKeepThePreviousOutput) {
  const std::string ref = source_dir() + "/data/genomics/sarscov2_MN908947.fasta";
  const std::string reads = source_dir() + "/data/genomics/sarscov2_ERR5069949_1.fastq.gz";
  std::string out = temp_dir();
  ASSERT_EQ(run_spindle("index ref " + ref + " -t 1 -o " + out + "/sc2.idx").exit_code, 0);
  ASSERT_EQ(run_spindle("align " + out + "/sc2.idx " + reads + " -t 1 -o " + out + "/a.sam").exit_code, 0);
  ASSERT_GT(fs::file_size(out + "/a.sam"), 8 * 1024u);
  const auto before = snapshot(out);

  // The error names the file inside the index the user asked for, not the temporary directory.
  auto r = run_spindle_limited(4, "index ref " + ref + " -t 1 -o " + out + "/sc2.idx");
  expect_error_line(r, out + "/sc2.idx/reference.2bit: write failed: File too large");
  EXPECT_EQ(snapshot(out), before);
  r = run_spindle_limited(40, "index ref " + ref + " -t 1 -o " + out + "/sc2.idx");
  expect_error_line(r, out + "/sc2.idx/vectors/index.i8: write failed: File too large");
  EXPECT_EQ(snapshot(out), before);

  r = run_spindle_limited(4, "align " + out + "/sc2.idx " + reads + " -t 1 -o " + out + "/a.sam");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("a.sam"), std::string::npos) << r.err;
  EXPECT_EQ(snapshot(out), before);
}

// Starts `spindle args...` as a child process (its pid is the one in its temporary names), output
// discarded. Everything is prepared before fork: the child only makes async-signal-safe calls.
pid_t start_spindle(std::vector<std::string> args) {
  args.insert(args.begin(), spindle_binary());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int null_fd = open("/dev/null", O_WRONLY);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(null_fd);
  return pid;
}

// SIGKILL while rows stream into the temporary: the old outputs are untouched, the leftovers are
// named after the outputs and the killed pid, and a later run neither trips over nor touches them.
TEST_F(FailureInjection, EmbedKilledMidWriteLeavesThePreviousOutput) {
  std::string in = temp_dir(), out = temp_dir();
  std::string small = reads_fasta(in + "/small.fa", 50, 3),
              large = reads_fasta(in + "/large.fa", 20000, 4);
  ASSERT_EQ(
      run_spindle("embed --model " + tiny_model_dir() + " " + small + " -t 2 -o " + out + "/e.npy")
          .exit_code,
      0);
  const auto before = snapshot(out);

  pid_t pid =
      start_spindle({"embed", "--model", tiny_model_dir(), large, "-t", "2", "-o", out + "/e.npy"});
  ASSERT_GT(pid, 0);
  const std::string temp = out + "/e.npy.tmp." + std::to_string(pid);
  // Kill once rows (not only the 128-byte header) have reached the temporary .npy.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::error_code ec;
  while (!(fs::exists(temp, ec) && fs::file_size(temp, ec) > 128 * 64) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "spindle finished before it was killed";

  const auto after = snapshot(out);
  EXPECT_EQ(after.at("e.npy"), before.at("e.npy"));
  EXPECT_EQ(after.at("e.ids.txt"), before.at("e.ids.txt"));
  const std::regex leftover("e\\.(npy|ids\\.txt)\\.tmp\\." + std::to_string(pid));
  for (const auto& [name, bytes] : after)
    if (!before.count(name))
      EXPECT_TRUE(std::regex_match(name, leftover)) << "unexpected file " << name;
  EXPECT_TRUE(after.count("e.npy.tmp." + std::to_string(pid)));

  // A later run (another pid) writes its own temporaries and commits; the leftovers stay as they
  // were.
  auto r = run_spindle("embed --model " + tiny_model_dir() + " " + in + "/small.fa -t 2 -o " + out +
                       "/e.npy");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto again = snapshot(out);
  EXPECT_EQ(again.at("e.npy"), before.at("e.npy"));  // same input, same output
  for (const auto& [name, bytes] : after)
    if (!before.count(name)) EXPECT_EQ(again.at(name), bytes) << name;
  EXPECT_EQ(again.size(), after.size());
}

}  // namespace
}  // namespace spindle::test
