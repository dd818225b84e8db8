// Small delimited-text tables (CSV, or TSV for *.tsv / *.tsv.gz) for variant files: keeps each
// row's original text so an output can repeat every input column unchanged and append new ones.
// Quoted fields ("a,b", "say ""hi""") are understood; a field cannot span lines.
#pragma once

#include <string>
#include <vector>

namespace spindle {

struct CsvTable {
  std::string path;
  char delimiter = ',';
  std::string header_line;
  std::vector<std::string> header;
  std::vector<std::string> lines;               // original data lines, without newline
  std::vector<size_t> line_numbers;             // 1-based line of each data row in the file
  std::vector<std::vector<std::string>> rows;   // parsed fields, same count as header

  // Index of a column by exact name; throws spindle::Error naming the file and the columns.
  size_t column(const std::string& name) const;
  bool has_column(const std::string& name) const;
};

// Reads a table (plain or gz; "-" for stdin). Blank lines are skipped. A row with a different
// number of fields than the header is an error naming its line.
CsvTable read_csv_table(const std::string& path);

// Splits one line into fields.
std::vector<std::string> split_csv_line(const std::string& line, char delimiter, const std::string& where);

// Quotes a field when it contains the delimiter, a quote or a newline.
std::string csv_field(const std::string& text, char delimiter);

}  // namespace spindle
