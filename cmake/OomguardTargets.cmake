# Target helpers: every module folder is one library (oomguard_library), every test binary is
# registered with CTest per test case and labelled (oomguard_test). Warning flags live here only.

set(OOMGUARD_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
    -Wnon-virtual-dtor -Wimplicit-fallthrough)
if(OOMGUARD_WERROR)
  list(APPEND OOMGUARD_WARNINGS -Werror)
endif()

if(NOT OOMGUARD_SANITIZE STREQUAL "")
  add_compile_options(-fsanitize=${OOMGUARD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${OOMGUARD_SANITIZE})
endif()

# Applies the project's warnings and, with NO_EXCEPTIONS, the core's language subset.
function(oomguard_target_options target)
  cmake_parse_arguments(ARG "NO_EXCEPTIONS" "" "" ${ARGN})
  target_compile_options(${target} PRIVATE ${OOMGUARD_WARNINGS})
  if(ARG_NO_EXCEPTIONS)
    target_compile_options(${target} PRIVATE -fno-exceptions -fno-rtti)
  endif()
endfunction()

# oomguard_library(NAME name SRCS ... [DEPS ...] [PRIVATE_DEPS ...] [NO_EXCEPTIONS])
function(oomguard_library)
  cmake_parse_arguments(ARG "NO_EXCEPTIONS" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  if(ARG_NO_EXCEPTIONS)
    oomguard_target_options(${ARG_NAME} NO_EXCEPTIONS)
  else()
    oomguard_target_options(${ARG_NAME})
  endif()
endfunction()

# oomguard_test(NAME name SRCS ... [DEPS ...] [LABELS unit|privileged|e2e|vm] [TIMEOUT s] [NO_MAIN]
#               [TEST_PREFIX prefix])
# A test that calls GTEST_SKIP() is reported by CTest as skipped (not passed), with its reason
# in the test output. TEST_PREFIX (e.g. "config.") is put before every CTest name, so that
# `ctest -R config` selects a module's tests.
function(oomguard_test)
  cmake_parse_arguments(ARG "NO_MAIN" "NAME;TIMEOUT;TEST_PREFIX" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  oomguard_target_options(${ARG_NAME})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} PkgConfig::GTEST Threads::Threads)
  if(NOT ARG_NO_MAIN)
    target_link_libraries(${ARG_NAME} PRIVATE PkgConfig::GTEST_MAIN)
  endif()
  gtest_discover_tests(${ARG_NAME}
    TEST_PREFIX "${ARG_TEST_PREFIX}"
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
               SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endfunction()
