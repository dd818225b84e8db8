// spindle: command-line entry point. Parses, dispatches to a registered subcommand, and maps
// errors to exit codes: 1 for bad input (one line naming the file and problem), 2 for usage.
#include <oneapi/dnnl/dnnl.h>
#include <fftw3.h>
#include <htslib/hts.h>


#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <new>

#include "base/error.h"
#include "cli/command.h"
#include "kernels/backend.h"
#include "models/registry.h"

namespace spindle::cli {

std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> commands;
  return commands;
}

static std::string g_command_line;
const std::string& command_line() { return g_command_line; }

// What --device auto would do on this machine, architecture by architecture.
static std::string auto_device_summary() {
  if (!cuda_available()) return "every model on cpu (no usable GPU)";
  std::string on_gpu, on_cpu;
  for (const auto& a : architectures()) {
    std::string& list = a.computes_on_cuda ? on_gpu : on_cpu;
    list += (list.empty() ? "" : ", ") + a.name;
  }
  return on_gpu.empty() ? "every model on cpu" : on_gpu + " on cuda" + (on_cpu.empty() ? "" : "; " + on_cpu + " on cpu");
}

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
  text += "device: --device auto runs " + auto_device_summary() + "\n";
  return text;
}

}  // namespace spindle::cli

// libgomp reads OMP_WAIT_POLICY once, when it is loaded (before main). Its default spins idle
// threads, which on a shared machine cost 3-4x wall time in measurements here (16k-token Mamba:
// 13.7 s spinning vs 3.6 s passive; 131k-token HyenaDNA under load: 50-75 s vs 17-20 s). So unless
// the user chose a policy, re-execute once with PASSIVE; file descriptors (stdin pipes) carry over
// the exec. Costs ~30 ms. Setting the variable from .preinit_array instead was tried and does not
// work: libgomp still saw the default (`OMP_DISPLAY_ENV=verbose` showed GOMP_SPINCOUNT 300000).
static void prefer_passive_openmp_waits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then carry on as we are
}

// glibc serves blocks above a dynamic threshold with fresh mmaps and returns them on free, so a
// forward pass that allocates the same per-layer buffers again and again page-faults them in every
// time (20% of a 1k-token Mamba forward was page faults). Fixed thresholds keep buffers up to
// 32 MiB in the heap for reuse; larger ones (whole-sequence activations at 1M tokens) stay mmaps so
// peak memory does not grow. Measured: 1k-token Mamba 0.19 -> 0.15 s, 1M-token HyenaDNA sys time
// 7.4 -> 6.3 s, peak RSS unchanged within noise.
static void keep_mid_size_buffers_in_heap() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

int main(int argc, char** argv) {
  using namespace spindle;
  // A write past the file-size limit (`ulimit -f`) kills the process with SIGXFSZ by default:
  // no message, and its temporaries stay behind. Ignored, the write fails with EFBIG instead, so
  // spindle reports one line naming the file, removes its temporaries and exits 1.
  std::signal(SIGXFSZ, SIG_IGN);
  prefer_passive_openmp_waits(argv);
  keep_mid_size_buffers_in_heap();
  // spindle reports every input failure itself, as one line naming the file: htslib's own
  // "[E::...]" lines (a truncated gzip printed three) would only precede it.
  hts_set_log_level(HTS_LOG_OFF);
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
