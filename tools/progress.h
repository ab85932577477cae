// Progress of a long command on stderr, and how long each step took.
//
// Steps are named as they start ("load inputs", "batch general", ...). When enabled (stderr is
// a terminal and the user did not ask for --quiet), the running step is shown on one line that
// is rewritten in place, and each finished top-level step is printed with its time; otherwise
// nothing is printed, so logs and pipes stay clean. The times are kept either way (run --json).
// Thread-safety: use from one thread.
#ifndef ZKMATCH_TOOLS_PROGRESS_H_
#define ZKMATCH_TOOLS_PROGRESS_H_

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace zkmatch::tools {

class Progress {
 public:
  // Shows progress when `show` and stderr is a terminal.
  explicit Progress(bool show);
  ~Progress();
  // Ends the current step (if any) and starts `name`.
  void Step(const std::string& name);
  // Shows a detail of the current step ("batch general, pass 2") without ending it.
  void Detail(const std::string& detail);
  // Ends the current step.
  void Done();
  // Clears the status line (the step goes on) so that other output starts on a line of its own.
  void Interrupt();
  // Seconds per finished step, in order.
  const std::vector<std::pair<std::string, double>>& seconds() const { return seconds_; }

 private:
  using Clock = std::chrono::steady_clock;
  void Show(const std::string& text);
  bool show_;
  bool shown_ = false;  // a status line is on screen
  std::string step_;
  Clock::time_point start_;
  std::vector<std::pair<std::string, double>> seconds_;
};

}  // namespace zkmatch::tools

#endif  // ZKMATCH_TOOLS_PROGRESS_H_
