// spindle index build | search | info | merge: FAISS vector stores on disk (index/vector_store.h).
#include "cli/command.h"
#include "cli/index_command.h"

namespace spindle::cli {

CLI::App* index_command(CLI::App& app) {
  auto existing = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "index"; });
  if (!existing.empty()) return existing.front();
  auto* index = app.add_subcommand("index", "Build, search, inspect and merge vector indexes (FAISS)");
  index->require_subcommand(1);
  return index;
}

}  // namespace spindle::cli
