#include "proteins/msa.h"

#include <htslib/bgzf.h>
#include <htslib/kstring.h>

#include <cctype>
#include <memory>
#include <unordered_map>

#include "base/error.h"
#include "proteins/amino_acids.h"
#include "proteins/mutation.h"

namespace spindle {

namespace {

class LineReader {
 public:
  explicit LineReader(const std::string& path) : path_(path), fp_(bgzf_open(path.c_str(), "r"), &bgzf_close) {
    if (!fp_) throw Error(path + ": cannot open alignment");
  }
  ~LineReader() { free(line_.s); }
  // Next line without its newline (and without a trailing '\r'); false at end of file.
  bool next(std::string& out) {
    int rc = bgzf_getline(fp_.get(), '\n', &line_);
    if (rc == -1) return false;
    if (rc < -1) throw Error(path_ + ": read error");
    ++line_number_;
    out.assign(line_.s, line_.l);
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
  }
  size_t line_number() const { return line_number_; }

 private:
  std::string path_;
  std::unique_ptr<BGZF, decltype(&bgzf_close)> fp_;
  kstring_t line_ = {0, 0, nullptr};
  size_t line_number_ = 0;
};

std::string first_word(const std::string& header) {
  size_t end = header.find_first_of(" \t");
  return header.substr(0, end);
}

void read_fasta_records(LineReader& reader, std::string line, std::vector<MsaRecord>& records,
                        const std::string& path) {
  do {
    if (line.empty()) continue;
    if (line[0] == '>') {
      records.push_back({first_word(line.substr(1)), {}});
    } else {
      if (records.empty()) throw Error(path + ": line " + std::to_string(reader.line_number()) + ": sequence before the first '>' header");
      for (char c : line)
        if (!std::isspace(static_cast<unsigned char>(c))) records.back().text.push_back(c);
    }
  } while (reader.next(line));
}

void read_stockholm_records(LineReader& reader, std::vector<MsaRecord>& records, const std::string& path) {
  std::unordered_map<std::string, size_t> index;
  std::string line;
  while (reader.next(line)) {
    if (line.rfind("//", 0) == 0) break;  // end of the first alignment
    if (line.empty() || line[0] == '#') continue;
    size_t split = line.find_first_of(" \t");
    if (split == std::string::npos)
      throw Error(path + ": line " + std::to_string(reader.line_number()) + ": expected '<name> <aligned sequence>'");
    std::string name = line.substr(0, split);
    size_t seq_start = line.find_first_not_of(" \t", split);
    std::string text = seq_start == std::string::npos ? "" : line.substr(seq_start);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    auto [it, inserted] = index.emplace(name, records.size());
    if (inserted) records.push_back({name, {}});
    records[it->second].text += text;  // interleaved blocks continue the same rows
  }
}

std::optional<int64_t> range_start(const std::string& name) {
  size_t slash = name.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  size_t dash = name.find('-', slash);
  if (dash == std::string::npos || dash == slash + 1) return std::nullopt;
  std::string start = name.substr(slash + 1, dash - slash - 1);
  std::string end = name.substr(dash + 1);
  if (start.find_first_not_of("0123456789") != std::string::npos || end.empty() ||
      end.find_first_not_of("0123456789") != std::string::npos || start.size() > 12)
    return std::nullopt;
  return std::stoll(start);
}

}  // namespace

std::vector<MsaRecord> read_msa_records(const std::string& path) {
  LineReader reader(path);
  std::vector<MsaRecord> records;
  std::string line;
  while (reader.next(line))
    if (!line.empty()) break;
  if (line.empty()) throw Error(path + ": empty alignment (no sequences)");
  if (line.rfind("# STOCKHOLM", 0) == 0) {
    read_stockholm_records(reader, records, path);
  } else if (line[0] == '>') {
    read_fasta_records(reader, line, records, path);
  } else {
    throw Error(path + ": not an alignment (expected FASTA/a2m/a3m '>' records or '# STOCKHOLM')");
  }
  if (records.empty()) throw Error(path + ": empty alignment (no sequences)");
  return records;
}

FocusAlignment build_focus_alignment(const std::vector<MsaRecord>& records, const std::string& path) {
  if (records.empty()) throw Error(path + ": empty alignment (no sequences)");
  FocusAlignment a;
  const MsaRecord& focus = records[0];
  a.focus_name = focus.name;
  a.focus_start = range_start(focus.name);

  // Walk the focus: upper case = match column holding a residue (kept), '-' = match column with a
  // focus gap (dropped, as EVmutation's focus mode), lower case = insert residue (numbered, not
  // modelled), '.' = insert gap.
  std::vector<bool> keep_match;  // per match column
  for (char c : focus.text) {
    if (c == '.') continue;
    if (c == '-') {
      keep_match.push_back(false);
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(c)) || !is_amino_acid(c))
      throw Error(path + ": focus sequence " + focus.name + ": '" + std::string(1, c) + "' is not an amino acid");
    if (std::isupper(static_cast<unsigned char>(c))) {
      keep_match.push_back(true);
      a.column_residue.push_back(static_cast<int64_t>(a.focus_sequence.size()));
    }
    a.focus_sequence.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (a.focus_sequence.empty()) throw Error(path + ": focus sequence " + focus.name + " has no residues");
  a.n_columns = a.column_residue.size();
  if (a.n_columns == 0) throw Error(path + ": focus sequence " + focus.name + " has no match (upper-case) columns");

  a.states.reserve(records.size() * a.n_columns);
  std::vector<uint8_t> row(a.n_columns);
  for (const MsaRecord& rec : records) {
    size_t match = 0, col = 0;
    bool valid = true;
    for (char c : rec.text) {
      // plmc drops a row with a letter outside the 20 amino acids and the gap anywhere in it,
      // inserts and unmodelled columns included, so such rows are dropped here too.
      if (state_of(c) == kInvalidState) valid = false;
      if (c == '.' || std::islower(static_cast<unsigned char>(c))) continue;  // insert state
      if (match >= keep_match.size()) {
        ++match;
        continue;
      }
      if (keep_match[match]) {
        row[col++] = state_of(c);
      }
      ++match;
    }
    if (match != keep_match.size())
      throw Error(path + ": ragged alignment: sequence " + rec.name + " has " + std::to_string(match) +
                  " aligned columns, the focus has " + std::to_string(keep_match.size()));
    if (!valid) {
      ++a.n_dropped;
      continue;
    }
    a.states.insert(a.states.end(), row.begin(), row.end());
  }
  a.n_sequences = a.states.size() / a.n_columns;
  return a;
}

FocusAlignment read_focus_alignment(const std::string& path) {
  return build_focus_alignment(read_msa_records(path), path);
}

void number_focus_columns(FocusAlignment& a, const WildType& wt, const std::string& path) {
  int64_t first;  // residue number of focus_sequence[0]
  if (a.focus_start) {
    first = *a.focus_start;
  } else {
    size_t at = wt.sequence.find(a.focus_sequence);
    if (at == std::string::npos)
      throw Error(path + ": focus sequence " + a.focus_name + " differs from the wild type (not found in it)");
    first = wt.first_position + static_cast<int64_t>(at);
  }
  for (size_t k = 0; k < a.focus_sequence.size(); ++k) {
    int64_t number = first + static_cast<int64_t>(k);
    if (number < wt.first_position || number > wt.last_position())
      throw Error(path + ": focus sequence " + a.focus_name + " residue " + std::to_string(number) +
                  " lies outside the wild type (" + std::to_string(wt.first_position) + "-" +
                  std::to_string(wt.last_position()) + "; check --offset)");
    char expected = wt.sequence[static_cast<size_t>(number - wt.first_position)];
    if (expected != a.focus_sequence[k])
      throw Error(path + ": focus sequence " + a.focus_name + " differs from the wild type at residue " +
                  std::to_string(number) + " (focus " + std::string(1, a.focus_sequence[k]) + ", wild type " +
                  std::string(1, expected) + ")");
  }
  a.column_position.resize(a.n_columns);
  for (size_t c = 0; c < a.n_columns; ++c) a.column_position[c] = first + a.column_residue[c];
}

}  // namespace spindle
