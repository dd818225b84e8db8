#include "models/config.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "base/error.h"
#include "base/json_number.h"

namespace spindle {

// Python's json module writes Infinity/-Infinity/NaN as bare words. nlohmann rejects them, so
// outside of strings they are rewritten to placeholders that are mapped back on lookup.
static std::string replace_nonfinite(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) out += text[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') { in_string = true; out += c; continue; }
    auto word = [&](const char* w) { return text.compare(i, std::strlen(w), w) == 0; };
    if (word("-Infinity")) { out += "\"__-inf__\""; i += 8; }
    else if (word("Infinity")) { out += "\"__inf__\""; i += 7; }
    else if (word("NaN")) { out += "\"__nan__\""; i += 2; }
    else out += c;
  }
  return out;
}

static bool special_number(const nlohmann::json& v, double* out) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  if (s == "__inf__") *out = std::numeric_limits<double>::infinity();
  else if (s == "__-inf__") *out = -std::numeric_limits<double>::infinity();
  else if (s == "__nan__") *out = std::numeric_limits<double>::quiet_NaN();
  else return false;
  return true;
}

Config Config::load(const std::string& path) {
  std::string file = path;
  if (std::filesystem::is_directory(path)) file = (std::filesystem::path(path) / "config.json").string();
  std::ifstream in(file);
  if (!in) throw Error(file + ": cannot open config");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (buffer.str().empty()) throw Error(file + ": empty config file");
  return from_text(buffer.str(), file);
}

Config Config::from_text(const std::string& text, const std::string& source) {
  Config c;
  c.path_ = source;
  try {
    c.json_ = nlohmann::json::parse(replace_nonfinite(text));
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": malformed JSON: " + e.what());
  }
  if (!c.json_.is_object()) throw Error(source + ": config is not a JSON object");
  return c;
}

bool Config::has(const std::string& key) const { return json_.contains(key) && !json_[key].is_null(); }

const nlohmann::json& Config::require(const std::string& key) const {
  if (!has(key)) throw Error(path_ + ": missing config key '" + key + "'");
  return json_[key];
}

int64_t Config::integer_of(const nlohmann::json& value, const std::string& key) const {
  try {
    return json_integer<int64_t>(value);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path_ + ": config key '" + key + "': " + e.what());
  }
}

int64_t Config::get_int(const std::string& key) const {
  const auto& v = require(key);
  if (!v.is_number()) throw Error(path_ + ": config key '" + key + "' must be a number");
  return integer_of(v, key);
}

int64_t Config::get_int(const std::string& key, int64_t fallback) const {
  return has(key) ? get_int(key) : fallback;
}

double Config::get_double(const std::string& key) const {
  const auto& v = require(key);
  double special;
  if (special_number(v, &special)) return special;
  if (!v.is_number()) throw Error(path_ + ": config key '" + key + "' must be a number");
  return v.get<double>();
}

std::pair<double, double> Config::get_double_pair(const std::string& key) const {
  const auto& v = require(key);
  const std::string bad = path_ + ": config key '" + key + "' must be [low, high]";
  if (!v.is_array() || v.size() != 2) throw Error(bad);
  double pair[2];
  for (size_t i = 0; i < 2; ++i) {
    if (special_number(v[i], &pair[i])) continue;
    if (!v[i].is_number()) throw Error(bad);
    pair[i] = v[i].get<double>();
  }
  return {pair[0], pair[1]};
}

double Config::get_double(const std::string& key, double fallback) const {
  return has(key) ? get_double(key) : fallback;
}

bool Config::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& v = json_[key];
  if (!v.is_boolean()) throw Error(path_ + ": config key '" + key + "' must be true or false");
  return v.get<bool>();
}

std::string Config::get_string(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const auto& v = json_[key];
  if (!v.is_string()) throw Error(path_ + ": config key '" + key + "' must be a string");
  return v.get<std::string>();
}

std::vector<int64_t> Config::get_int_list(const std::string& key) const {
  std::vector<int64_t> out;
  if (!has(key)) return out;
  const auto& v = json_[key];
  if (!v.is_array()) throw Error(path_ + ": config key '" + key + "' must be a list");
  for (auto& x : v) {
    if (!x.is_number_integer()) throw Error(path_ + ": config key '" + key + "' must list integers");
    out.push_back(integer_of(x, key));
  }
  return out;
}

std::vector<std::string> Config::architectures() const {
  std::vector<std::string> out;
  if (!has("architectures") || !json_["architectures"].is_array()) return out;
  for (const auto& a : json_["architectures"])
    if (a.is_string()) out.push_back(a.get<std::string>());
  return out;
}

Config Config::sub(const std::string& key) const {
  Config c;
  c.path_ = path_ + " [" + key + "]";
  c.json_ = has(key) && json_[key].is_object() ? json_[key] : nlohmann::json::object();
  return c;
}

}  // namespace spindle
