# Every third-party dependency is a Debian package; a missing one stops configuration with
# one line naming the package to install.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "oomguard: missing dependency: install the Debian package 'pkg-config'")
endif()

function(oomguard_require_pkg prefix module debian_package)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR
            "oomguard: missing dependency: install the Debian package '${debian_package}' "
            "(pkg-config module '${module}' not found)")
  endif()
endfunction()

oomguard_require_pkg(TOMLPLUSPLUS tomlplusplus libtomlplusplus-dev)
oomguard_require_pkg(LIBURING liburing liburing-dev)
oomguard_require_pkg(GTEST gtest libgtest-dev)
oomguard_require_pkg(GTEST_MAIN gtest_main libgtest-dev)
oomguard_require_pkg(GBENCHMARK benchmark libbenchmark-dev)

# Sanitizer builds link without jemalloc: both replace malloc.
if(OOMGUARD_JEMALLOC AND OOMGUARD_SANITIZE STREQUAL "")
  oomguard_require_pkg(JEMALLOC jemalloc libjemalloc-dev)
  set(OOMGUARD_WITH_JEMALLOC ON)
else()
  set(OOMGUARD_WITH_JEMALLOC OFF)
endif()

find_package(Threads REQUIRED)
