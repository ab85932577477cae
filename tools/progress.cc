#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace zkmatch::tools {

Progress::Progress(bool show) : show_(show && ::isatty(STDERR_FILENO) == 1) {}

// An unfinished step when the command returns early (an error already printed): clear the
// status line, print no time for it.
Progress::~Progress() { Interrupt(); }

void Progress::Show(const std::string& text) {
  if (!show_) return;
  std::fprintf(stderr, "\r\033[K%s", text.c_str());  // back to the line start, clear it
  std::fflush(stderr);
  shown_ = true;
}

void Progress::Interrupt() {
  if (!shown_) return;
  std::fputs("\r\033[K", stderr);
  shown_ = false;
}

void Progress::Step(const std::string& name) {
  Done();
  step_ = name;
  start_ = Clock::now();
  Show(name + " ...");
}

void Progress::Detail(const std::string& detail) {
  if (!step_.empty()) Show(step_ + ": " + detail + " ...");
}

void Progress::Done() {
  if (step_.empty()) return;
  const double s = std::chrono::duration<double>(Clock::now() - start_).count();
  seconds_.emplace_back(step_, s);
  if (show_) {
    std::fprintf(stderr, "\r\033[K%-32s %8.2f s\n", step_.c_str(), s);
    shown_ = false;
  }
  step_.clear();
}

}  // namespace zkmatch::tools
