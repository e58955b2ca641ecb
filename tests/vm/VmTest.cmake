# oomguard_vm_test(NAME name SCRIPT script [ARGS ...] [MEM 512M] [ZRAM mib] [TIMEOUT s])
#
# Registers a CTest test, label `vm`, that runs SCRIPT (a path relative to the calling
# directory) with busybox sh in a fresh User-Mode-Linux guest through tests/vm/run_vm_test.sh.
# In the guest the calling directory is the working directory (/mnt/test), the host's /usr and
# the source and build trees are mounted read-only at their host paths, and the environment has
# OOMGUARD_SOURCE_DIR, OOMGUARD_BUILD_DIR and OOMGUARD_VM_LIB (tests/vm/lib.sh, the helpers).
# Large output goes to $OOMGUARD_VM_OUT (/mnt/out), which is <build>/vm-out/<name> on the host.
# The test is skipped (exit 77, with the reason printed) when the rig cannot run here.
# TIMEOUT bounds the guest (default 180 s); CTest's own timeout is 60 s longer so the rig's
# clean-up always runs first. vm tests never run concurrently with each other (RESOURCE_LOCK):
# several measure stalls, and each guest takes a CPU and its RAM on the host.
include_guard(GLOBAL)
set(OOMGUARD_VM_DRIVER ${CMAKE_CURRENT_LIST_DIR}/run_vm_test.sh)

function(oomguard_vm_test)
  cmake_parse_arguments(ARG "" "NAME;SCRIPT;MEM;ZRAM;TIMEOUT" "ARGS" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_SCRIPT)
    message(FATAL_ERROR "oomguard_vm_test: NAME and SCRIPT are required")
  endif()
  if(NOT ARG_MEM)
    set(ARG_MEM 512M)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 180)
  endif()
  set(zram_args)
  if(ARG_ZRAM)
    set(zram_args -z ${ARG_ZRAM})
  endif()
  math(EXPR ctest_timeout "${ARG_TIMEOUT} + 60")
  add_test(NAME ${ARG_NAME}
    COMMAND ${OOMGUARD_VM_DRIVER} -n ${ARG_NAME} -m ${ARG_MEM} ${zram_args} -t ${ARG_TIMEOUT}
            -S ${PROJECT_SOURCE_DIR} -B ${PROJECT_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR}
            ${ARG_SCRIPT} ${ARG_ARGS})
  set_tests_properties(${ARG_NAME} PROPERTIES
    LABELS vm TIMEOUT ${ctest_timeout} SKIP_RETURN_CODE 77 RESOURCE_LOCK oomguard_vm)
endfunction()
