#!/usr/bin/env bash
# A directory on ext4 WITH a journal, for the benchmarks that depend on the file system: this
# machine's root file system is ext4 without one, where creating a file right after deletions
# scans the inode bitmap (see the README's pitfalls); phones' file systems (ext4 and f2fs on
# Android, APFS on iOS) journal. A sparse image under target/ (on the same disk as /tmp),
# formatted with mkfs.ext4's defaults (journal included) and loop-mounted.
#   scripts/bench/journaled-fs.sh            prints the mounted directory; fails, saying why,
#                                            where it cannot (not root, no loop device)
#   scripts/bench/journaled-fs.sh --umount   unmounts it and deletes the image
set -euo pipefail
cd "$(dirname "$0")/../.."
image=target/bench/journaled.img mnt=$PWD/target/bench/journaled
if [[ "${1:-}" == "--umount" ]]; then
  if mountpoint -q "$mnt"; then umount "$mnt"; fi
  rm -f "$image"
  exit 0
fi
if mountpoint -q "$mnt"; then echo "$mnt"; exit 0; fi
[[ $(id -u) == 0 ]] || { echo "journaled-fs: needs root to mount a loop device" >&2; exit 1; }
command -v mkfs.ext4 >/dev/null || { echo "journaled-fs: mkfs.ext4 missing (Debian package e2fsprogs)" >&2; exit 1; }
mkdir -p "$mnt"
rm -f "$image"
truncate -s 4G "$image"
mkfs.ext4 -q -F -O has_journal "$image"
if ! mount -o loop "$image" "$mnt" 2>/dev/null; then
  rm -f "$image"
  echo "journaled-fs: this machine cannot mount a loop device" >&2
  exit 1
fi
chmod 1777 "$mnt"
echo "$mnt"
