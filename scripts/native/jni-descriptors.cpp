// Prints the JNI descriptors the Android C++ uses, as fbjni derives them from the C++ signatures:
// one line "class.method descriptor" for every native method OtelSessionsJni.cpp registers
// (OTS_JNI_METHODS) and for the Kotlin method it calls (OkHttpTransport.send).
// scripts/native/android-jni.sh builds it on the host and compares with the compiled Kotlin.
// It only prints: nothing here calls into the JVM, fbjni's runtime or the Rust library.
#include <cstdio>

#include "OtelSessionsJni.cpp"

int main() {
#define OTS_PRINT(name)                          \
  std::printf(                                   \
      "com/otelsessions/OtelSessionsNative.%s %s\n", \
      #name,                                     \
      facebook::jni::detail::makeDescriptor(&OtelSessionsNative::name).c_str());
  OTS_JNI_METHODS(OTS_PRINT)
#undef OTS_PRINT
  std::printf(
      "com/otelsessions/OkHttpTransport.send %s\n",
      facebook::jni::jmethod_traits_from_cxx<otelsessions::android::SendMethod>::kDescriptor.c_str());
  return 0;
}
