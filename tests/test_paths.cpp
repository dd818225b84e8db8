#include "tests/test_paths.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace spindle::test {

std::string source_dir() { return SPINDLE_SOURCE_DIR; }
std::string spindle_binary() { return SPINDLE_BINARY; }

std::string shared_dir() {
  if (const char* env = std::getenv("SPINDLE_SHARED")) return fs::exists(env) ? env : "";
  fs::path candidate = fs::path(SPINDLE_SOURCE_DIR) / ".." / "shared";
  return fs::exists(candidate / "golden") ? fs::canonical(candidate).string() : "";
}

namespace {
struct TempRoot {
  fs::path root;
  TempRoot() {
    std::string pattern = (fs::temp_directory_path() / "spindle-test-XXXXXX").string();
    root = mkdtemp(pattern.data());
  }
  ~TempRoot() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};
}  // namespace

std::string temp_dir() {
  static TempRoot root;
  static int counter = 0;
  fs::path dir = root.root / std::to_string(counter++);
  fs::create_directories(dir);
  return dir.string();
}

static std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CommandResult run_command(const std::string& command_line) {
  std::string dir = temp_dir();
  std::string out = dir + "/stdout", err = dir + "/stderr";
  std::string full = "(" + command_line + ") >" + out + " 2>" + err + " </dev/null";
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace spindle::test
