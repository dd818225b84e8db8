// The `spindle index` subcommand is shared: cmd_index.cpp adds build/search/info/merge, and other
// files (e.g. cmd_index_ref.cpp) add their own subcommands to it. Whoever asks first creates it.
#pragma once

#include <CLI/CLI.hpp>

namespace spindle::cli {

// Returns the `index` subcommand of `app`, creating it (once) if it does not exist yet.
CLI::App* index_command(CLI::App& app);

}  // namespace spindle::cli
