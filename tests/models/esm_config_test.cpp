// Issue 16: ESM-2 / MSA Transformer pad_token_id indexes the embedding and position tables; a
// negative or too large value must be an Error at load naming config.json, not an out-of-bounds read.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "models/random_esm.h"
#include "models/registry.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

void set_config(const std::string& dir, const std::string& key, int64_t value) {
  nlohmann::json j;
  {
    std::ifstream in(dir + "/config.json");
    j = nlohmann::json::parse(in);
  }
  j[key] = value;
  std::ofstream(dir + "/config.json") << j.dump(2);
}

std::string load_error(const std::string& dir) {
  try {
    load_model(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

RandomEsmSpec tiny() {
  RandomEsmSpec spec;
  spec.hidden = 16;
  spec.layers = 1;
  spec.heads = 2;
  spec.ffn = 32;
  spec.max_positions = 40;
  return spec;
}

TEST(EsmConfig, PadTokenIdOutOfRangeIsAnErrorNamingConfigJson) {
  for (int64_t pad : {int64_t{-1}, int64_t{-1000000}, int64_t{33}, int64_t{1} << 40}) {
    std::string esm = test::temp_dir();
    write_random_esm2(esm, tiny());
    ASSERT_EQ(load_error(esm), "");
    set_config(esm, "pad_token_id", pad);
    std::string msg = load_error(esm);
    EXPECT_NE(msg.find("config.json"), std::string::npos) << pad << ": " << msg;
    EXPECT_NE(msg.find("pad_token_id"), std::string::npos) << pad << ": " << msg;

    std::string msa = test::temp_dir();
    write_random_msa_transformer(msa, tiny());
    ASSERT_EQ(load_error(msa), "");
    set_config(msa, "pad_token_id", pad);
    msg = load_error(msa);
    EXPECT_NE(msg.find("config.json"), std::string::npos) << pad << ": " << msg;
    EXPECT_NE(msg.find("pad_token_id"), std::string::npos) << pad << ": " << msg;
  }
  // Learned (absolute) positions: pad_token_id must leave room in the position table.
  std::string esm = test::temp_dir();
  write_random_esm2(esm, tiny());
  set_config(esm, "pad_token_id", 32);  // in the vocabulary, but 32 + 1 + L overruns 40 rows quickly
  set_config(esm, "max_position_embeddings", 30);
  std::string msg = load_error(esm);
  EXPECT_NE(msg.find("config.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("pad_token_id"), std::string::npos) << msg;
}

}  // namespace
}  // namespace spindle
