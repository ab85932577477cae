// "Did you mean ...?" suggestions for misspelt names (after ninja's edit_distance.h).
#ifndef ZKMATCH_EDIT_DISTANCE_H_
#define ZKMATCH_EDIT_DISTANCE_H_

#include <string>
#include <string_view>
#include <vector>

namespace zkmatch {

// Edit distance between two byte strings: insertions, deletions, substitutions and swaps of
// adjacent bytes each cost 1 (optimal string alignment).
int EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo (distance at
// most max(1, len/3)); empty otherwise. Ties go to the earliest candidate.
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" -- ready to append to a message.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace zkmatch

#endif  // ZKMATCH_EDIT_DISTANCE_H_
