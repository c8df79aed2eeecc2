// TeeReporter (output.hpp): rank 0's reporter when there is an output file.
#include <algorithm>

#include "console_note.hpp"
#include "output.hpp"
#include "params.hpp"

namespace sumbench {

TeeReporter::TeeReporter(benchmark::BenchmarkReporter& display, const std::string& format,
                         bool display_aggregates_only, bool report_aggregates_only)
    : display_(display),
      display_only_aggregates_(display_aggregates_only || report_aggregates_only),
      file_only_aggregates_(report_aggregates_only) {
  if (format == "json") {
    file_ = std::make_unique<benchmark::JSONReporter>();
  } else if (format == "csv") {  // deprecated in Google Benchmark, still honoured
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    file_ = std::make_unique<benchmark::CSVReporter>();
#pragma GCC diagnostic pop
  } else {
    file_ = std::make_unique<benchmark::ConsoleReporter>(benchmark::ConsoleReporter::OO_None);
  }
  file_->SetOutputStream(&text_);
  file_->SetErrorStream(&text_);
}

bool TeeReporter::ReportContext(const Context& context) {
  display_.SetOutputStream(&GetOutputStream());
  display_.SetErrorStream(&GetErrorStream());
  const bool shown = display_.ReportContext(context);
  return report_context(*file_, context, text_) && shown;  // sumbench's note, not the DEBUG line
}

void TeeReporter::ReportRuns(const std::vector<Run>& runs) {
  // Google Benchmark reports a benchmark's repetitions in one call and then, when at least
  // two of them succeeded, their aggregates in another; "aggregates only" leaves out the
  // repetitions only when aggregates follow.
  const bool aggregates = !runs.empty() && runs.front().run_type == Run::RT_Aggregate;
  const bool aggregates_follow = !aggregates && std::count_if(runs.begin(), runs.end(), [](const Run& r) {
                                                  return !r.error_occurred;
                                                }) >= 2;
  if (aggregates || !(display_only_aggregates_ && aggregates_follow)) display_.ReportRuns(runs);
  if (aggregates || !(file_only_aggregates_ && aggregates_follow)) {
    const std::string before = text_.str();
    file_->ReportRuns(runs);
    if (dynamic_cast<benchmark::JSONReporter*>(file_.get())) {  // each case's "params" (params.hpp)
      text_.str(before + with_params(text_.str().substr(before.size()), runs));
      text_.seekp(0, std::ios_base::end);
    }
  }
}

void TeeReporter::Finalize() {
  display_.Finalize();
  file_->Finalize();
}

}  // namespace sumbench
