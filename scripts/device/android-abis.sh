# Android ABIs and their Rust targets: the one map the shell scripts share (sourced after
# toolchain.sh, whose ANDROID_TARGETS it follows; scripts/build-android keeps its own, as users
# run it alone). Kept out of toolchain.sh, which the device builds' cache key hashes.

# The Android ABI of each of ANDROID_TARGETS, in the same order.
ANDROID_ABIS=(arm64-v8a armeabi-v7a x86_64 x86)

# android_abi_of TRIPLE: its Android ABI (arm64-v8a, ...); nothing for a non-Android target.
android_abi_of() {
  local i
  for i in "${!ANDROID_TARGETS[@]}"; do [[ ${ANDROID_TARGETS[$i]} == "$1" ]] && echo "${ANDROID_ABIS[$i]}"; done
  return 0
}

# android_triple_of ABI: the Rust target of an Android ABI; nothing for an unknown ABI.
android_triple_of() {
  local i
  for i in "${!ANDROID_ABIS[@]}"; do [[ ${ANDROID_ABIS[$i]} == "$1" ]] && echo "${ANDROID_TARGETS[$i]}"; done
  return 0
}
