# The one place that locates the Rust static library (crate otel-sessions-jsi, rust/jsi) that
# libotelsessions.so links, for the ABI being built. Anything that changes where it comes from
# (a prebuilt library shipped in the npm package, for instance) changes only this file and the
# "Rust library" section of build.gradle.
#
# Inputs (from build.gradle):
#   OTEL_SESSIONS_RUST_LIB         the .a itself, when given
#   OTEL_SESSIONS_RUST_TARGET_DIR  else the cargo target dir scripts/build-android writes:
#                                  <dir>/<rust triple of ANDROID_ABI>/release/libotel_sessions_jsi.a
#
# A missing library is a warning when CMake configures (Android Studio configures outside the
# Gradle task that builds it, for instance on a first sync), and an error with the same message
# when the library is linked.

# Android ABI -> Rust target triple (scripts/build-android builds the same four).
set(OTS_RUST_TRIPLE_arm64-v8a aarch64-linux-android)
set(OTS_RUST_TRIPLE_armeabi-v7a armv7-linux-androideabi)
set(OTS_RUST_TRIPLE_x86_64 x86_64-linux-android)
set(OTS_RUST_TRIPLE_x86 i686-linux-android)

# Links the Rust library into `target`, or makes linking `target` fail with a clear message.
function(otel_sessions_link_rust target)
  set(triple "${OTS_RUST_TRIPLE_${ANDROID_ABI}}")
  if(NOT triple)
    message(FATAL_ERROR "react-native-otel-sessions: unsupported ABI '${ANDROID_ABI}' "
                        "(arm64-v8a, armeabi-v7a, x86_64, x86)")
  endif()
  if(OTEL_SESSIONS_RUST_LIB)
    set(lib "${OTEL_SESSIONS_RUST_LIB}")
  else()
    set(lib "${OTEL_SESSIONS_RUST_TARGET_DIR}/${triple}/release/libotel_sessions_jsi.a")
  endif()
  if(EXISTS "${lib}")
    add_library(otel_sessions_rust STATIC IMPORTED)
    set_target_properties(otel_sessions_rust PROPERTIES IMPORTED_LOCATION "${lib}")
    target_link_libraries(${target} otel_sessions_rust)
  else()
    string(CONCAT why "react-native-otel-sessions: the Rust library ${lib} is missing; the Gradle "
                      "task buildOtelSessionsRust builds it (scripts/build-android --abis ${ANDROID_ABI})")
    message(WARNING "${why}")
    add_custom_command(TARGET ${target} PRE_LINK
      COMMAND "${CMAKE_COMMAND}" -E echo "${why}"
      COMMAND "${CMAKE_COMMAND}" -E false
      VERBATIM)
  endif()
endfunction()
