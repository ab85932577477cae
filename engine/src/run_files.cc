// Reads a run's published CSV files back. See run_files.h.
#include "run_files.h"

#include <charconv>
#include <filesystem>

#include "csv.h"

namespace zkmatch {
namespace {

// Opens DIR/name and checks that its header starts with `columns`.
bool Open(CsvReader* csv, const std::string& run_dir, const char* name, std::initializer_list<const char*> columns, DiagnosticSink& sink) {
  const std::string path = (std::filesystem::path(run_dir) / name).string();
  if (!csv->Open(path, path, sink)) return false;
  int i = 0;
  for (const char* c : columns) {
    if (csv->Find(c) != i++) {
      sink.CsvError(path, csv->header_line(), c, std::string("the header does not have '") + c + "' in column " + std::to_string(i) +
                                                       "; is this a file written by zkmatch run?");
      return false;
    }
  }
  return true;
}

// A signed integer cell; reports and returns false when it is not one.
bool Int(const CsvReader& csv, const CsvRecord& rec, std::size_t field, std::int64_t* out, DiagnosticSink& sink) {
  const std::string_view s = rec.fields[field];
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return true;
  sink.CsvError(csv.display(), rec.line, csv.header()[field], "'" + std::string(s) + "' is not a whole number");
  return false;
}

}  // namespace

bool ReadPlacementsCsv(const std::string& run_dir, std::vector<PlacementRow>* rows, DiagnosticSink& sink) {
  CsvReader csv;
  if (!Open(&csv, run_dir, "placements.csv", {"candidate_id", "status", "batch", "program", "channel", "choice_rank", "stage"}, sink)) return false;
  const std::size_t errors = sink.error_count();
  CsvRecord rec;
  while (csv.Next(&rec)) {
    PlacementRow r;
    r.id = rec.fields[0];
    r.status = rec.fields[1];
    r.batch = rec.fields[2];
    r.program = rec.fields[3];
    r.channel = rec.fields[4];
    r.stage = rec.fields[6];
    if (r.placed()) {
      std::int64_t rank = 0;
      if (!Int(csv, rec, 5, &rank, sink)) continue;
      r.choice_rank = static_cast<std::int32_t>(rank);
    }
    rows->push_back(std::move(r));
  }
  return sink.error_count() == errors;
}

bool ReadCutoffsCsv(const std::string& run_dir, std::vector<CutoffRow>* rows, DiagnosticSink& sink) {
  CsvReader csv;
  if (!Open(&csv, run_dir, "cutoffs.csv",
            {"batch", "program", "channel", "group", "capacity", "admitted", "cutoff_total", "stage", "initial_capacity", "flowed_in", "flowed_out",
             "over_capacity"},
            sink))
    return false;
  const std::size_t errors = sink.error_count();
  CsvRecord rec;
  while (csv.Next(&rec)) {
    CutoffRow r;
    r.batch = rec.fields[0];
    r.program = rec.fields[1];
    r.channel = rec.fields[2];
    r.group = rec.fields[3];
    r.cutoff_total = rec.fields[6];
    r.stage = rec.fields[7];
    if (Int(csv, rec, 4, &r.capacity, sink) && Int(csv, rec, 5, &r.admitted, sink) && Int(csv, rec, 8, &r.initial, sink) &&
        Int(csv, rec, 9, &r.flowed_in, sink) && Int(csv, rec, 10, &r.flowed_out, sink) && Int(csv, rec, 11, &r.over, sink)) {
      rows->push_back(std::move(r));
    }
  }
  return sink.error_count() == errors;
}

bool ReadLinesCsv(const std::string& run_dir, std::vector<LineRow>* rows, DiagnosticSink& sink) {
  CsvReader csv;
  if (!Open(&csv, run_dir, "lines.csv", {"line", "value", "how"}, sink)) return false;
  const std::size_t errors = sink.error_count();
  CsvRecord rec;
  while (csv.Next(&rec)) rows->push_back(LineRow{std::string(rec.fields[0]), std::string(rec.fields[1]), std::string(rec.fields[2])});
  return sink.error_count() == errors;
}

}  // namespace zkmatch
