#include "tools/hog/result.h"

#include <cstring>

namespace oomguard::hog {

Error errno_error(const std::string& what, int err) {
  return Error{what + ": " + std::strerror(err)};
}

}  // namespace oomguard::hog
