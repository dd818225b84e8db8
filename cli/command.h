// Subcommand registration: each cli/cmd_<name>.cpp registers itself with SPINDLE_COMMAND, so the
// CLI grows by adding a file. A command only parses options, calls the library and reports.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace spindle::cli {

// Adds a subcommand to `app` and returns it; the callback runs the command.
using CommandSetup = std::function<void(CLI::App& app)>;

struct CommandEntry {
  int order;  // position in --help
  CommandSetup setup;
};

std::vector<CommandEntry>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(int order, CommandSetup setup) { command_registry().push_back({order, std::move(setup)}); }
};

// The full command line, for @PG headers and the final report.
const std::string& command_line();

}  // namespace spindle::cli

#define SPINDLE_CLI_CONCAT2(a, b) a##b
#define SPINDLE_CLI_CONCAT(a, b) SPINDLE_CLI_CONCAT2(a, b)
#define SPINDLE_COMMAND(order, fn) \
  static ::spindle::cli::CommandRegistrar SPINDLE_CLI_CONCAT(registrar_, __LINE__)(order, fn)
