// config.json reader. Accepts the non-standard JSON values Python writes (Infinity, -Infinity,
// NaN). Lookups name the file and key on error.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace spindle {

class Config {
 public:
  // `path`: a config.json file, or a directory holding one.
  static Config load(const std::string& path);
  static Config from_text(const std::string& text, const std::string& source = "config.json");

  const std::string& path() const { return path_; }
  const nlohmann::json& json() const { return json_; }
  bool has(const std::string& key) const;

  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_double(const std::string& key) const;
  double get_double(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> get_int_list(const std::string& key) const;  // empty when absent
  // A [low, high] pair of numbers (Infinity allowed), e.g. Mamba2's time_step_limit [0.0, Infinity].
  std::pair<double, double> get_double_pair(const std::string& key) const;
  // The class names of the Hugging Face "architectures" list (empty when absent or not a list;
  // non-string entries are skipped): what architecture detectors match on.
  std::vector<std::string> architectures() const;

  // Sub-object view (e.g. "ssm_cfg"); an empty config when absent.
  Config sub(const std::string& key) const;

 private:
  const nlohmann::json& require(const std::string& key) const;
  // `value` (of `key`) as a whole number in int64 range, else an Error naming the file and key.
  int64_t integer_of(const nlohmann::json& value, const std::string& key) const;
  std::string path_;
  nlohmann::json json_;
};

}  // namespace spindle
