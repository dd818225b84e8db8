// safetensors writers: the streaming writer gives the bytes of the one-shot writer, and files
// that Checkpoint reads back.
#include "models/safetensors_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "models/checkpoint.h"
#include "tests/test_paths.h"

using namespace spindle;

namespace {

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Tensor ramp(const Shape& shape, float start) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = start + 0.5f * static_cast<float>(i);
  return t;
}

}  // namespace

TEST(SafetensorsWriter, StreamedFileEqualsTheOneShotFile) {
  std::string dir = test::temp_dir();
  std::vector<std::pair<std::string, Tensor>> tensors = {{"read_b", ramp({3, 4}, 1.0f)},
                                                         {"read_a", ramp({1, 4}, -2.0f)},
                                                         {"read_c", ramp({700, 4}, 0.0f)}};
  write_safetensors(dir + "/whole.safetensors", tensors);
  {
    OutputFile out(dir + "/streamed.safetensors");
    SafetensorsStreamWriter writer(out);
    for (const auto& [name, t] : tensors) writer.add(name, t);
    EXPECT_TRUE(writer.contains("read_a"));
    EXPECT_THROW(writer.add("read_a", ramp({1, 4}, 0.0f)), Error);
    // The data wait in a scratch file beside the output, named after it.
    EXPECT_TRUE(std::filesystem::exists(out.path() + ".data.tmp." + std::to_string(getpid())));
    writer.finish();
    out.commit();
  }
  EXPECT_EQ(file_bytes(dir + "/streamed.safetensors"), file_bytes(dir + "/whole.safetensors"));
  // Only the two outputs remain: the scratch file is gone.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 2);
  Checkpoint back = Checkpoint::open(dir + "/streamed.safetensors");
  Tensor c = back.get("read_c", {700, 4});
  EXPECT_EQ(c.data<float>()[2799], 0.5f * 2799);

  // A writer abandoned by an error leaves neither the output nor its scratch file.
  std::string failed = test::temp_dir();
  {
    OutputFile out(failed + "/f.safetensors");
    SafetensorsStreamWriter writer(out);
    writer.add("x", ramp({2, 4}, 0.0f));
  }
  EXPECT_TRUE(std::filesystem::is_empty(failed));

  // No tensors at all is a valid (empty) file too.
  {
    OutputFile out(dir + "/empty.safetensors");
    SafetensorsStreamWriter writer(out);
    writer.finish();
    out.commit();
  }
  write_safetensors(dir + "/empty_whole.safetensors", {});
  EXPECT_EQ(file_bytes(dir + "/empty.safetensors"), file_bytes(dir + "/empty_whole.safetensors"));
}
