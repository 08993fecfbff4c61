#ifndef GRENS_TESTS_SUPPORT_CLI_TESTING_H_
#define GRENS_TESTS_SUPPORT_CLI_TESTING_H_

// Runs the real grensctl binary from integration tests.

#include <string>

namespace grens::testing {

// Runs `grensctl <args>` (args are passed to the shell as written, so quote
// what needs quoting); returns its exit code (-1 if it did not exit normally)
// and puts stdout and stderr, interleaved, into `output`.
int RunGrensctl(const std::string& args, std::string* output);

// The value after "<label>: " on a line of `output`, or "".
std::string LineValue(const std::string& output, const std::string& label);

}  // namespace grens::testing

#endif  // GRENS_TESTS_SUPPORT_CLI_TESTING_H_
