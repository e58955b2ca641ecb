#!/usr/bin/env bash
# CTest driver of oomguard_vm_test() (VmTest.cmake):
#   run_vm_test.sh -n NAME -m MEM [-z MIB] -t SECONDS -S SOURCE_DIR -B BUILD_DIR
#                  TESTDIR SCRIPT [ARGS...]
# Skips (exit 77, reason printed) when the guest cannot run on this machine: not root, or the
# image not built (tools/check builds it; by hand: tools/vm/build). Otherwise runs
# `sh SCRIPT ARGS...` in a fresh guest through tools/vm/run and returns its exit status.
set -uo pipefail

skip() { echo "SKIPPED: $*"; exit 77; }

name='' mem=512M zram='' timeout_s=180 src='' build=''
while getopts "n:m:z:t:S:B:" opt; do
  case $opt in
    n) name=$OPTARG ;; m) mem=$OPTARG ;; z) zram=$OPTARG ;; t) timeout_s=$OPTARG ;;
    S) src=$OPTARG ;; B) build=$OPTARG ;;
    *) echo "run_vm_test.sh: bad arguments" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ -n "$name" ] && [ -d "$src" ] && [ -d "$build" ] && [ $# -ge 2 ] ||
  { echo "run_vm_test.sh: bad arguments" >&2; exit 2; }
testdir=$1
shift

[ "$(id -u)" -eq 0 ] || skip "vm tests need root (tools/vm/run creates host memory cgroups)"
status=$("$src/tools/vm/build" --check) || skip "$status"

out=$build/vm-out/$name
rm -rf "$out" && mkdir -p "$out" || { echo "cannot create $out" >&2; exit 1; }
src=$(cd "$src" && pwd -P)
build=$(cd "$build" && pwd -P)
binds=(-b "$src")
case $build/ in "$src"/*) ;; *) binds+=(-b "$build") ;; esac

"$src/tools/vm/run" -u "${binds[@]}" -o "$out" -m "$mem" ${zram:+-z "$zram"} -t "$timeout_s" -v \
  -e OOMGUARD_SOURCE_DIR="$src" -e OOMGUARD_BUILD_DIR="$build" \
  -e OOMGUARD_VM_LIB="$src/tests/vm/lib.sh" -e OOMGUARD_VM_OUT=/mnt/out \
  "$testdir" sh "$@"
rc=$?
case $rc in
  124) echo "FAILED: the guest timed out after $timeout_s s (kernel log: $out/vm-console.log)" ;;
  125) echo "FAILED: the guest broke (kernel log: $out/vm-console.log)" ;;
  126) skip "the vm rig cannot run here (see the message above)" ;;
esac
exit "$rc"
