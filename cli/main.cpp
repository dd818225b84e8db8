// spindle: command-line entry point. Parses, dispatches to a registered subcommand, and maps
// errors to exit codes: 1 for bad input (one line naming the file and problem), 2 for usage.
#include <oneapi/dnnl/dnnl.h>
#include <fftw3.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <new>

#include "cli/command.h"
#include "kernels/backend.h"
#include "kernels/error.h"

namespace spindle::cli {

std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> commands;
  return commands;
}

static std::string g_command_line;
const std::string& command_line() { return g_command_line; }

static std::string version_text() {
  const dnnl_version_t* dnnl = dnnl_version();
  std::string text = std::string("spindle ") + SPINDLE_VERSION + "\n";
  text += std::string("compiler: ") + __VERSION__ + "\n";
  text += "cpu: " + cpu_features_summary() + "\n";
  text += "gemm: oneDNN " + std::to_string(dnnl->major) + "." + std::to_string(dnnl->minor) + "." +
          std::to_string(dnnl->patch) + " (ISA chosen at run time)\n";
  text += std::string("fft: ") + fftwf_version + "\n";
  text += std::string("cuda: ") + (cuda_compiled() ? "compiled in; " : "not compiled in; ") +
          (cuda_compiled() ? cuda_device_summary() : "CPU only") + "\n";
  return text;
}

}  // namespace spindle::cli

// libgomp reads OMP_WAIT_POLICY once, when it is loaded (before main). Its default spins idle
// threads, which on a shared machine cost 3-4x wall time in measurements here (16k-token Mamba:
// 13.7 s spinning vs 3.6 s passive). So unless the user chose a policy, re-execute once with
// PASSIVE; file descriptors (stdin pipes) carry over the exec. Costs a few ms.
static void prefer_passive_openmp_waits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then carry on as we are
}

int main(int argc, char** argv) {
  using namespace spindle;
  prefer_passive_openmp_waits(argv);
  for (int i = 0; i < argc; ++i) cli::g_command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"spindle: long-context DNA and protein models, read alignment and variant scoring"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print version, build and backend information");
  auto& commands = cli::command_registry();
  std::stable_sort(commands.begin(), commands.end(), [](auto& a, auto& b) { return a.order < b.order; });
  for (auto& c : commands) c.setup(app);

  try {
    app.parse(argc, argv);
    if (show_version) {
      std::cout << cli::version_text();
      return 0;
    }
    if (app.get_subcommands().empty()) {
      std::cerr << app.help();
      return 2;
    }
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "spindle: usage error: %s\n", e.what());
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "spindle: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "spindle: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "spindle: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
