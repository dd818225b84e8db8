// Atomic outputs (base/output_file.h): what a failed or killed run leaves behind.
#include "base/output_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/test_paths.h"

using namespace spindle;
namespace fs = std::filesystem;

// Temporaries carry the writer's pid, so a leftover under our own name is from a killed process
// that had the same pid: a new output directory must not inherit its files.
TEST(TempPath, DoesNotBuildOnALeftoverOfAKilledProcess) {
  const std::string final_dir = test::temp_dir() + "/out";
  const std::string stale = final_dir + ".tmp." + std::to_string(getpid());
  fs::create_directories(stale);
  std::ofstream(stale + "/junk.txt") << "from a killed run\n";
  {
    TempPath temp(final_dir);
    EXPECT_EQ(temp.path(), stale);
    EXPECT_FALSE(fs::exists(stale));
    fs::create_directories(temp.path());
    std::ofstream(temp.path() + "/a.txt") << "new\n";
    temp.commit();
  }
  EXPECT_TRUE(fs::exists(final_dir + "/a.txt"));
  EXPECT_FALSE(fs::exists(final_dir + "/junk.txt"));
}

// A stale temporary file under our name is simply overwritten; one under another pid is left alone.
TEST(OutputFile, IgnoresLeftoversOfKilledProcesses) {
  const std::string dir = test::temp_dir();
  std::ofstream(dir + "/x.npy.tmp." + std::to_string(getpid())) << "stale bytes from a killed run";
  std::ofstream(dir + "/x.npy.tmp.999999999") << "another process's";
  OutputFile out(dir + "/x.npy");
  out.write("new");
  out.commit();
  std::ifstream in(dir + "/x.npy");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "new");
  EXPECT_FALSE(fs::exists(dir + "/x.npy.tmp." + std::to_string(getpid())));
  EXPECT_TRUE(fs::exists(dir + "/x.npy.tmp.999999999"));
}
