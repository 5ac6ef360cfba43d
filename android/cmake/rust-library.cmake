# The one place that locates the Rust static library (crate otel-sessions-jsi, rust/jsi) that
# libotelsessions.so links, for the ABI being built. Where it comes from is decided here and in
# the "Rust library" section of build.gradle, and nowhere else.
#
# Inputs (from build.gradle), the first one given wins:
#   OTEL_SESSIONS_RUST_LIB           the .a itself
#   OTEL_SESSIONS_RUST_PREBUILT_DIR  the npm package's prebuilt libraries:
#                                    <dir>/<ANDROID_ABI>/libotel_sessions_jsi.a
#   OTEL_SESSIONS_RUST_TARGET_DIR    the cargo target dir scripts/build-android writes (a clone):
#                                    <dir>/<rust triple of ANDROID_ABI>/release/libotel_sessions_jsi.a
#
# Configuring says which one is linked (a STATUS message). A missing library is a warning when
# CMake configures (Android Studio configures outside the Gradle task that builds it, for
# instance on a first sync), and an error with the same message when the library is linked.

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
    set(origin "given by OTEL_SESSIONS_RUST_LIB")
    set(fix "pass an existing file")
  elseif(OTEL_SESSIONS_RUST_PREBUILT_DIR)
    set(lib "${OTEL_SESSIONS_RUST_PREBUILT_DIR}/${ANDROID_ABI}/libotel_sessions_jsi.a")
    set(origin "prebuilt, shipped in the npm package")
    set(fix "reinstall the package, or build it from source with -PotelSessions.buildFromSource=true")
  else()
    set(lib "${OTEL_SESSIONS_RUST_TARGET_DIR}/${triple}/release/libotel_sessions_jsi.a")
    set(origin "built from source by scripts/build-android")
    set(fix "the Gradle task buildOtelSessionsRust builds it (scripts/build-android --abis ${ANDROID_ABI})")
  endif()
  if(EXISTS "${lib}")
    message(STATUS "react-native-otel-sessions: ${ANDROID_ABI}: linking the Rust library ${lib} (${origin})")
    add_library(otel_sessions_rust STATIC IMPORTED)
    set_target_properties(otel_sessions_rust PROPERTIES IMPORTED_LOCATION "${lib}")
    target_link_libraries(${target} otel_sessions_rust)
  else()
    string(CONCAT why "react-native-otel-sessions: the Rust library ${lib} is missing (${origin}); ${fix}")
    message(WARNING "${why}")
    add_custom_command(TARGET ${target} PRE_LINK
      COMMAND "${CMAKE_COMMAND}" -E echo "${why}"
      COMMAND "${CMAKE_COMMAND}" -E false
      VERBATIM)
  endif()
endfunction()
