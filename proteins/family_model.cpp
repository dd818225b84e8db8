#include "proteins/family_model.h"

#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "base/error.h"
#include "base/json_number.h"
#include "base/output_file.h"
#include "proteins/sequence_weights.h"

namespace spindle {

namespace {
constexpr char kMagic[17] = "SPINDLE-MSAMODEL";
}

std::vector<uint8_t> FamilyModel::focus_states() const {
  std::vector<uint8_t> s(columns.n_columns);
  for (size_t c = 0; c < columns.n_columns; ++c)
    s[c] = state_of(columns.focus_sequence[static_cast<size_t>(columns.column_residue[c])]);
  return s;
}

FamilyModel fit_family_model(FocusAlignment alignment, const FamilyModelOptions& options,
                             const std::function<void(const std::string&)>& log) {
  auto say = [&](const std::string& s) {
    if (log) log(s);
  };
  FamilyModel model;
  const size_t n = alignment.n_sequences, L = alignment.n_columns;
  model.n_sequences = n;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<float> weights = compute_sequence_weights(alignment, options.theta, options.plm.threads);
  model.n_effective = std::accumulate(weights.begin(), weights.end(), 0.0);
  double weight_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  say("alignment: " + std::to_string(n) + " sequences (" + std::to_string(alignment.n_dropped) +
      " dropped for non-standard residues), " + std::to_string(L) + " model columns, Neff " +
      std::to_string(model.n_effective) + " at theta " + std::to_string(options.theta) + " (weights " +
      std::to_string(weight_s) + " s)");
  if (options.fit_independent)
    model.independent = fit_independent_model(alignment.states.data(), n, L, weights, options.pseudocount);
  if (options.fit_potts) {
    if (L < 2) throw Error("alignment has " + std::to_string(L) + " model column(s); a Potts model needs 2 or more");
    auto t1 = std::chrono::steady_clock::now();
    say(std::string("potts: gaps ") + (options.plm.ignore_gaps ? "as missing data (plmc -g)" : "as a 21st state") +
        ", lambda_h " + std::to_string(options.plm.lambda_h) + ", lambda_J " + std::to_string(options.plm.lambda_j) +
        (options.plm.scale_lambda_j ? " x 20 x (L-1)" : "") + ", stop at |g|/max(1,|x|) <= " +
        std::to_string(options.plm.gradient_tolerance) + ", a relative decrease below " +
        std::to_string(options.plm.relative_decrease) + " for 3 iterations, or " +
        std::to_string(options.plm.max_iterations) + " iterations");
    PlmReport report;
    model.potts = fit_potts_plm(alignment.states.data(), n, L, weights, options.plm, &report,
                                [&](int it, double f, double g) {
                                  if (it == 1 || it % 25 == 0)
                                    say("potts: iteration " + std::to_string(it) + " objective " + std::to_string(f) +
                                        " |gradient| " + std::to_string(g));
                                });
    model.fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    say("potts: " + std::to_string(report.lbfgs.iterations) + " iterations, " +
        std::to_string(report.lbfgs.evaluations) + " evaluations, " + std::to_string(report.n_unique_sequences) +
        " unique sequences, " + report.lbfgs.stop_reason + ", " + std::to_string(model.fit_seconds) + " s");
    model.potts_report = report;
  }
  alignment.states.clear();
  alignment.states.shrink_to_fit();
  model.columns = std::move(alignment);
  return model;
}

void save_family_model(const std::string& path, const FamilyModel& model) {
  using nlohmann::json;
  const FocusAlignment& c = model.columns;
  json header;
  header["format"] = "spindle-msa-model";
  header["format_version"] = kFamilyModelFormatVersion;
  header["alphabet"] = kAlphabet;
  header["focus_name"] = c.focus_name;
  header["focus_sequence"] = c.focus_sequence;
  if (c.focus_start) header["focus_start"] = *c.focus_start;
  header["column_residue"] = c.column_residue;
  header["n_sequences"] = model.n_sequences;
  header["n_effective"] = model.n_effective;
  header["fit_seconds"] = model.fit_seconds;
  json arrays = json::array();
  if (model.independent) arrays.push_back({{"name", "independent.log_frequency"}, {"count", model.independent->log_frequency.size()}});
  if (model.potts) {
    arrays.push_back({{"name", "potts.fields"}, {"count", model.potts->fields.size()}});
    arrays.push_back({{"name", "potts.couplings"}, {"count", model.potts->couplings.size()}});
  }
  header["arrays"] = arrays;
  std::string text = header.dump();

  OutputFile out(path);
  out.write(kMagic, 16);
  uint32_t version = kFamilyModelFormatVersion;
  uint64_t length = text.size();
  out.write(&version, sizeof version);
  out.write(&length, sizeof length);
  out.write(text);
  if (model.independent) out.write(model.independent->log_frequency.data(), model.independent->log_frequency.size() * 4);
  if (model.potts) {
    out.write(model.potts->fields.data(), model.potts->fields.size() * 4);
    out.write(model.potts->couplings.data(), model.potts->couplings.size() * 4);
  }
  out.commit();
}

FamilyModel load_family_model(const std::string& path) {
  using nlohmann::json;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open model file");
  in.seekg(0, std::ios::end);
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  char magic[16];
  uint32_t version = 0;
  uint64_t length = 0;
  if (!in.read(magic, 16) || std::memcmp(magic, kMagic, 16) != 0) throw Error(path + ": not a spindle MSA model file (bad magic)");
  if (!in.read(reinterpret_cast<char*>(&version), 4) || !in.read(reinterpret_cast<char*>(&length), 8))
    throw Error(path + ": truncated model header");
  if (version != kFamilyModelFormatVersion)
    throw Error(path + ": model format version " + std::to_string(version) + " is not supported (this build reads " +
                std::to_string(kFamilyModelFormatVersion) + ")");
  if (length > file_size - 28) throw Error(path + ": truncated model header");
  std::string text(length, '\0');
  in.read(text.data(), static_cast<std::streamsize>(length));
  FamilyModel model;
  try {
    json h = json::parse(text);
    if (h.at("alphabet").get<std::string>() != kAlphabet) throw Error(path + ": model uses a different alphabet");
    FocusAlignment& c = model.columns;
    c.focus_name = h.at("focus_name").get<std::string>();
    c.focus_sequence = h.at("focus_sequence").get<std::string>();
    if (h.contains("focus_start")) c.focus_start = json_integer<int64_t>(h.at("focus_start"));
    if (!h.at("column_residue").is_array()) throw Error(path + ": bad model header: column_residue is not a list");
    for (const json& r : h.at("column_residue")) c.column_residue.push_back(json_integer<int64_t>(r));
    c.n_columns = c.column_residue.size();
    for (int64_t r : c.column_residue)
      if (r < 0 || static_cast<size_t>(r) >= c.focus_sequence.size()) throw Error(path + ": column outside the focus sequence");
    model.n_sequences = json_integer<size_t>(h.at("n_sequences"));
    model.n_effective = h.at("n_effective").get<double>();
    model.fit_seconds = h.value("fit_seconds", 0.0);
    const size_t L = c.n_columns;
    uint64_t expected = 28 + length;
    for (const json& a : h.at("arrays")) {
      std::string name = a.at("name").get<std::string>();
      const size_t count = json_integer<size_t>(a.at("count"));
      size_t want = name == "independent.log_frequency" ? L * kStates
                    : name == "potts.fields"            ? L * kStates
                    : name == "potts.couplings"         ? PottsModel::n_pairs(L) * kStates * kStates
                                                        : SIZE_MAX;
      if (want == SIZE_MAX) throw Error(path + ": unknown array '" + name + "'");
      if (count != want) throw Error(path + ": array " + name + " has " + std::to_string(count) + " values, expected " + std::to_string(want));
      expected += 4ull * count;
      if (expected > file_size) throw Error(path + ": truncated model file");
      std::vector<float> values(count);
      in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * 4));
      if (!in) throw Error(path + ": truncated model file");
      if (name == "independent.log_frequency") {
        model.independent.emplace();
        model.independent->n_columns = L;
        model.independent->log_frequency = std::move(values);
      } else {
        if (!model.potts) {
          model.potts.emplace();
          model.potts->n_columns = L;
        }
        (name == "potts.fields" ? model.potts->fields : model.potts->couplings) = std::move(values);
      }
    }
    if (expected != file_size) throw Error(path + ": " + std::to_string(file_size - expected) + " unexpected trailing bytes");
    if (model.potts && (model.potts->fields.empty() || model.potts->couplings.empty()))
      throw Error(path + ": Potts model is missing fields or couplings");
  } catch (const json::exception& e) {
    throw Error(path + ": bad model header: " + e.what());
  }
  return model;
}

}  // namespace spindle
