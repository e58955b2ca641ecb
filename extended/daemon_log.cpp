#include "extended/daemon_log.h"

#include <unistd.h>

#include <string>

namespace oomguard::extended {

void log_to_stderr(std::string_view line) {
  std::string text = "oomguard-extended: ";
  text.append(line);
  text += '\n';
  (void)!write(STDERR_FILENO, text.data(), text.size());  // nowhere to report a failure
}

}  // namespace oomguard::extended
