// The MSA models of one protein family, fitted together from a focus alignment and saved to /
// loaded from one versioned binary file, so scoring many variant files does not refit.
//
// File layout (little-endian): 16-byte magic "SPINDLE-MSAMODEL", uint32 format version (1),
// uint64 length of a JSON header, the JSON header (focus, columns, fit statistics and the list of
// float32 arrays with their element counts), then those arrays back to back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "proteins/independent_model.h"
#include "proteins/msa.h"
#include "proteins/potts_model.h"
#include "proteins/pseudo_likelihood.h"

namespace spindle {

inline constexpr uint32_t kFamilyModelFormatVersion = 1;

struct FamilyModelOptions {
  bool fit_independent = true;
  bool fit_potts = true;
  double theta = 0.2;         // identity threshold 1 - theta for sequence weights
  double pseudocount = 1.0;   // independent sites, in effective sequences
  PlmOptions plm;
};

struct FamilyModel {
  FocusAlignment columns;  // focus and model columns; `states` is emptied after fitting
  size_t n_sequences = 0;
  double n_effective = 0.0;  // sum of sequence weights
  double fit_seconds = 0.0;  // Potts fit wall time
  std::optional<IndependentModel> independent;
  std::optional<PottsModel> potts;
  std::optional<PlmReport> potts_report;
  // Wild-type (focus) state per model column.
  std::vector<uint8_t> focus_states() const;
};

// Weights the alignment, fits the requested models. `log` receives progress lines (optional).
FamilyModel fit_family_model(FocusAlignment alignment, const FamilyModelOptions& options,
                             const std::function<void(const std::string&)>& log = {});

// Writes atomically. Throws spindle::Error on I/O failure.
void save_family_model(const std::string& path, const FamilyModel& model);
// Reads and checks magic, version, header and array sizes; errors name the file.
FamilyModel load_family_model(const std::string& path);

}  // namespace spindle
