#include "proteins/csv_table.h"

#include <htslib/bgzf.h>
#include <htslib/kstring.h>

#include <memory>

#include "base/error.h"

namespace spindle {

size_t CsvTable::column(const std::string& name) const {
  for (size_t k = 0; k < header.size(); ++k)
    if (header[k] == name) return k;
  std::string names;
  for (auto& h : header) names += (names.empty() ? "" : ", ") + h;
  throw Error(path + ": no column '" + name + "' (columns: " + names + ")");
}

bool CsvTable::has_column(const std::string& name) const {
  for (auto& h : header)
    if (h == name) return true;
  return false;
}

std::vector<std::string> split_csv_line(const std::string& line, char delim, const std::string& where) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t k = 0; k < line.size(); ++k) {
    char c = line[k];
    if (quoted) {
      if (c == '"') {
        if (k + 1 < line.size() && line[k + 1] == '"') {
          fields.back().push_back('"');
          ++k;
        } else {
          quoted = false;
        }
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == delim) {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  if (quoted) throw Error(where + ": unterminated quoted field");
  return fields;
}

std::string csv_field(const std::string& text, char delim) {
  if (text.find_first_of(std::string(1, delim) + "\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

CsvTable read_csv_table(const std::string& path) {
  std::unique_ptr<BGZF, decltype(&bgzf_close)> fp(path == "-" ? bgzf_dopen(0, "r") : bgzf_open(path.c_str(), "r"),
                                                  &bgzf_close);
  if (!fp) throw Error(path + ": cannot open variant table");
  CsvTable t;
  t.path = path;
  std::string base = path;
  if (base.size() > 3 && base.compare(base.size() - 3, 3, ".gz") == 0) base.resize(base.size() - 3);
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".tsv") == 0) t.delimiter = '\t';
  kstring_t line = {0, 0, nullptr};
  size_t line_number = 0;
  try {
    int rc;
    while ((rc = bgzf_getline(fp.get(), '\n', &line)) >= 0) {
      ++line_number;
      std::string text(line.s, line.l);
      if (!text.empty() && text.back() == '\r') text.pop_back();
      if (text.find_first_not_of(" \t") == std::string::npos) continue;
      std::string where = path + " line " + std::to_string(line_number);
      if (t.header.empty()) {
        if (line_number == 1 && text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // BOM
        t.header_line = text;
        t.header = split_csv_line(text, t.delimiter, where);
        continue;
      }
      auto fields = split_csv_line(text, t.delimiter, where);
      if (fields.size() != t.header.size())
        throw Error(where + ": " + std::to_string(fields.size()) + " fields, the header has " + std::to_string(t.header.size()));
      t.lines.push_back(std::move(text));
      t.line_numbers.push_back(line_number);
      t.rows.push_back(std::move(fields));
    }
    if (rc < -1) throw Error(path + ": read error");
  } catch (...) {
    free(line.s);
    throw;
  }
  free(line.s);
  if (t.header.empty()) throw Error(path + ": empty variant table (no header)");
  return t;
}

}  // namespace spindle
