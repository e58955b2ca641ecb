# Shared by tools/vm/build and tools/vm/run: where the guest image lives and how it is named.
# shellcheck shell=bash disable=SC2034 # the constants are used by build and run

VM_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_CACHE=${OOMGUARD_VM_CACHE:-/var/cache/oomguard-vm}

# The image is keyed by the files that determine it: change one and the next build rebuilds.
VM_KEY_FILES=("$VM_TOOLS/build" "$VM_TOOLS/uml.config" "$VM_TOOLS/init" "$VM_TOOLS/common.sh")

# Guest RAM ceiling: guest RAM + the host-side margin (UML kernel text, page tables of the
# per-process helper processes, hostfs page cache) stays within 2 GiB.
VM_HOST_MARGIN_MIB=256
VM_MAX_MEM_MIB=$((2048 - VM_HOST_MARGIN_MIB))

# Exit codes of tools/vm/run besides the command's own (documented in README.md).
VM_RC_USAGE=2
VM_RC_TIMEOUT=124
VM_RC_BROKEN=125
VM_RC_UNAVAILABLE=126

vm_log() { printf 'vm: %s\n' "$*" >&2; }

# vm_key: 16 hex digits of the SHA-256 over the key files.
vm_key() {
  cat "${VM_KEY_FILES[@]}" | sha256sum | cut -c1-16
}

vm_image_dir() { printf '%s/%s' "$VM_CACHE" "$(vm_key)"; }

# vm_image_ready DIR: the build renames a finished image into place, so a present `linux`,
# `initramfs.cpio` and `manifest` mean a complete image.
vm_image_ready() {
  [ -x "$1/linux" ] && [ -s "$1/initramfs.cpio" ] && [ -s "$1/manifest" ]
}
