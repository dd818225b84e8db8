// safetensors and config.json readers: good files load, every kind of broken file is a one-line
// Error naming the file and the problem.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "models/checkpoint.h"
#include "models/config.h"
#include "tests/test_paths.h"

using namespace spindle;

namespace {

struct FakeTensor {
  std::string name, dtype;
  Shape shape;
  std::string bytes;
};

// Writes a safetensors file; `header_override` replaces the generated JSON header when non-empty.
std::string write_safetensors(const std::vector<FakeTensor>& tensors, const std::string& header_override = "",
                              const std::string& name = "model.safetensors") {
  std::string dir = test::temp_dir();
  std::string header = "{", data;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    std::string shape = "[";
    for (size_t d = 0; d < t.shape.size(); ++d) shape += (d ? "," : "") + std::to_string(t.shape[d]);
    shape += "]";
    header += (i ? "," : "") + std::string("\"") + t.name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":" + shape +
              ",\"data_offsets\":[" + std::to_string(data.size()) + "," + std::to_string(data.size() + t.bytes.size()) +
              "]}";
    data += t.bytes;
  }
  header += "}";
  if (!header_override.empty()) header = header_override;
  while (header.size() % 8) header += ' ';
  std::ofstream out(dir + "/" + name, std::ios::binary);
  uint64_t n = header.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << header << data;
  return dir + "/" + name;
}

std::string floats(std::initializer_list<float> values) {
  std::string s;
  for (float v : values) s.append(reinterpret_cast<const char*>(&v), 4);
  return s;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Checkpoint, ReadsF32Bf16F16AndAliases) {
  uint16_t bf = f32_to_bf16(1.5f), hf = f32_to_f16(-2.25f);
  std::string path = write_safetensors({{"a", "F32", {2, 2}, floats({1, 2, 3, 4})},
                                        {"b", "BF16", {1}, std::string(reinterpret_cast<char*>(&bf), 2)},
                                        {"c", "F16", {1}, std::string(reinterpret_cast<char*>(&hf), 2)}});
  Checkpoint ckpt = Checkpoint::open(path);
  EXPECT_EQ(ckpt.names(), (std::vector<std::string>{"a", "b", "c"}));
  Tensor a = ckpt.get("a", {2, 2});
  EXPECT_EQ(a.data<float>()[3], 4.f);
  EXPECT_EQ(ckpt.get("b").data<float>()[0], 1.5f);
  EXPECT_EQ(ckpt.get("c").data<float>()[0], -2.25f);
  ckpt.add_alias("lm_head.weight", "a");
  EXPECT_EQ(ckpt.get("lm_head.weight").data<float>()[0], 1.f);
}

TEST(Checkpoint, BrokenFilesGiveOneLineErrorsNamingTheFile) {
  std::string good = write_safetensors({{"w", "F32", {2}, floats({1, 2})}});
  // Truncated: cut the data section.
  std::string truncated = write_safetensors({{"w", "F32", {4}, floats({1, 2, 3, 4})}});
  std::filesystem::resize_file(truncated, std::filesystem::file_size(truncated) - 4);
  std::string msg = error_of([&] { Checkpoint::open(truncated); });
  EXPECT_NE(msg.find(truncated), std::string::npos) << msg;
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);

  std::string tiny = write_safetensors({});
  std::filesystem::resize_file(tiny, 5);
  EXPECT_NE(error_of([&] { Checkpoint::open(tiny); }).find("truncated"), std::string::npos);

  std::string empty = write_safetensors({});
  std::filesystem::resize_file(empty, 0);
  EXPECT_NE(error_of([&] { Checkpoint::open(empty); }).find("empty file"), std::string::npos);

  std::string malformed = write_safetensors({}, "{\"w\": [1, 2");
  EXPECT_NE(error_of([&] { Checkpoint::open(malformed); }).find("malformed safetensors header"), std::string::npos);

  std::string overlap = write_safetensors(
      {}, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})");
  std::filesystem::resize_file(overlap, std::filesystem::file_size(overlap) + 16);
  EXPECT_NE(error_of([&] { Checkpoint::open(overlap); }).find("overlap"), std::string::npos);

  std::string dtype = write_safetensors({{"w", "Q4_K", {2}, floats({1, 2})}});
  EXPECT_NE(error_of([&] { Checkpoint::open(dtype); }).find("unknown dtype 'Q4_K'"), std::string::npos);

  std::string size = write_safetensors({}, R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})");
  std::filesystem::resize_file(size, std::filesystem::file_size(size) + 8);
  EXPECT_NE(error_of([&] { Checkpoint::open(size); }).find("does not match"), std::string::npos);

  Checkpoint ckpt = Checkpoint::open(good);
  msg = error_of([&] { ckpt.get("missing.weight"); });
  EXPECT_NE(msg.find("missing tensor 'missing.weight'"), std::string::npos) << msg;
  msg = error_of([&] { ckpt.get("w", {3}); });
  EXPECT_NE(msg.find("has shape [2], expected [3]"), std::string::npos) << msg;
}

// Issue 16: shapes whose byte count overflows 64 bits wrapped to 0 bytes and matched an empty range.
TEST(Checkpoint, OverflowingShapesAreErrorsNamingTheFile) {
  for (const char* shape : {"[4611686018427387904,1]", "[4294967296,4294967296]", "[2305843009213693952,2]"}) {
    std::string path = write_safetensors(
        {}, std::string(R"({"w":{"dtype":"F32","shape":)") + shape + R"(,"data_offsets":[0,0]}})");
    std::string msg = error_of([&] { Checkpoint::open(path); });
    EXPECT_NE(msg.find("model.safetensors: tensor 'w'"), std::string::npos) << shape << ": " << msg;
    EXPECT_NE(msg.find("overflows"), std::string::npos) << shape << ": " << msg;
  }
}

TEST(Checkpoint, ShardedIndexResolvesEveryShard) {
  std::string first = write_safetensors({{"a", "F32", {1}, floats({7})}}, "", "model-00001-of-00002.safetensors");
  std::string dir = std::filesystem::path(first).parent_path();
  std::string second_tmp = write_safetensors({{"b", "F32", {1}, floats({9})}}, "", "model-00002-of-00002.safetensors");
  std::filesystem::rename(second_tmp, dir + "/model-00002-of-00002.safetensors");
  std::ofstream(dir + "/model.safetensors.index.json")
      << R"({"metadata":{"total_size":8},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}})";
  Checkpoint ckpt = Checkpoint::open(dir);
  EXPECT_EQ(ckpt.get("a").data<float>()[0], 7.f);
  EXPECT_EQ(ckpt.get("b").data<float>()[0], 9.f);
}

// Found by fuzz/safetensors_index_fuzz.cpp: a non-string weight_map value escaped as a JSON
// type_error that named no file; a shard given as a path could open files outside the model.
TEST(Checkpoint, ShardIndexEntriesMustBeFileNamesBesideTheIndex) {
  std::string shard = write_safetensors({{"a", "F32", {1}, floats({7})}}, "", "model-00001-of-00001.safetensors");
  std::string dir = std::filesystem::path(shard).parent_path();
  const std::string index = dir + "/model.safetensors.index.json";
  for (const char* entry : {R"({"total_size": 32})", "7", R"("../model-00001-of-00001.safetensors")",
                            R"("sub/model-00001-of-00001.safetensors")", R"("")"}) {
    std::ofstream(index) << R"({"weight_map":{"a":)" << entry << "}}";
    std::string msg = error_of([&] { Checkpoint::open(dir); });
    EXPECT_NE(msg.find("model.safetensors.index.json: weight_map entry 'a'"), std::string::npos) << entry << ": " << msg;
  }
}

TEST(Config, AcceptsPythonNonFiniteValuesAndNamesMissingKeys) {
  Config c = Config::from_text(R"({"time_step_limit": [0.0, Infinity], "x": -Infinity, "y": NaN, "s": "NaN text", "n": 3})");
  EXPECT_TRUE(std::isinf(c.get_double("x")) && c.get_double("x") < 0);
  EXPECT_TRUE(std::isnan(c.get_double("y")));
  EXPECT_EQ(c.get_string("s", ""), "NaN text");
  EXPECT_EQ(c.get_int("n"), 3);
  try {
    c.get_int("d_model");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing config key 'd_model'"), std::string::npos);
  }
  EXPECT_THROW(Config::from_text("{\"a\": "), Error);
}

// Found by fuzz/config_fuzz.cpp: a size written as 8.1e105 reached an undefined float-to-integer
// conversion inside nlohmann's get<int64_t>(). Whole numbers are accepted as Python may write them.
TEST(Config, IntegersMustBeWholeAndInRange) {
  Config c = Config::from_text(R"({"a": 8.11111e+105, "b": 512.0, "c": 2.5, "d": 18446744073709551615, "e": [1, 1e300]})");
  for (const char* key : {"a", "c", "d"}) {
    std::string msg = error_of([&] { c.get_int(key); });
    EXPECT_NE(msg.find(std::string("config.json: config key '") + key + "'"), std::string::npos) << msg;
  }
  EXPECT_EQ(c.get_int("b"), 512);
  EXPECT_NE(error_of([&] { c.get_int_list("e"); }).find("config key 'e'"), std::string::npos);
}

// Mamba2's time_step_limit is [0.0, Infinity] in real checkpoints: the pair reader takes Python's
// Infinity; anything but two numbers is an error naming the key.
TEST(Config, NumberPairsAcceptInfinity) {
  Config c = Config::from_text(R"({"t": [0.0, Infinity], "u": [1, "x"], "v": [1]})");
  auto [low, high] = c.get_double_pair("t");
  EXPECT_EQ(low, 0.0);
  EXPECT_TRUE(std::isinf(high));
  EXPECT_NE(error_of([&] { c.get_double_pair("u"); }).find("config key 'u' must be [low, high]"), std::string::npos);
  EXPECT_NE(error_of([&] { c.get_double_pair("v"); }).find("config key 'v' must be [low, high]"), std::string::npos);
}

TEST(Checkpoint, ShapesAndOffsetsMustBeWholeNumbers) {
  for (const char* entry : {R"({"dtype":"F32","shape":[1e300],"data_offsets":[0,4]})",
                            R"({"dtype":"F32","shape":[1],"data_offsets":[0,4.5]})",
                            R"({"dtype":"F32","shape":[1],"data_offsets":[-4,0]})"}) {
    std::string path = write_safetensors({}, std::string(R"({"w":)") + entry + "}");
    std::string msg = error_of([&] { Checkpoint::open(path); });
    EXPECT_NE(msg.find("model.safetensors: tensor 'w'"), std::string::npos) << entry << ": " << msg;
  }
}

TEST(Config, ArchitecturesListsTheStringEntries) {
  EXPECT_EQ(Config::from_text(R"({"architectures": ["EsmForMaskedLM", 3, "EsmModel"]})").architectures(),
            (std::vector<std::string>{"EsmForMaskedLM", "EsmModel"}));
  EXPECT_TRUE(Config::from_text(R"({"architectures": "EsmModel"})").architectures().empty());
  EXPECT_TRUE(Config::from_text("{}").architectures().empty());
}
