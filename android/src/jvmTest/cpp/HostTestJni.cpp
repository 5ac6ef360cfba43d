// Test-only JNI, linked only into the HOST build of libotelsessions.so
// (scripts/native/android-host-jni.sh), never into an app: Sessions.init, a synchronous call and
// flush, straight through the C ABI, so a JVM test (HostJniEndToEndTest.kt) can make the Rust
// uploader send through the Android C++ and Kotlin transport without a JavaScript runtime.
#include <jni.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "otel_sessions.h"

namespace {

OtsHandle *handle = nullptr;

std::string utf8(JNIEnv *env, jstring s) {
  const char *chars = env->GetStringUTFChars(s, nullptr); // ASCII test input
  std::string out(chars);
  env->ReleaseStringUTFChars(s, chars);
  return out;
}

jstring text(JNIEnv *env, int32_t status, OtsBuf buf) {
  std::string s = std::to_string(status) + ":" + std::string(reinterpret_cast<const char *>(buf.ptr), buf.len);
  ots_buf_free(buf);
  return env->NewStringUTF(s.c_str());
}

struct Done {
  std::mutex mutex;
  std::condition_variable settled;
  bool done = false;
  std::string result;
};

void onDone(void *ctx, int32_t status, const uint8_t *data, size_t len) {
  auto *d = static_cast<Done *>(ctx);
  std::lock_guard<std::mutex> lock(d->mutex);
  d->result = std::to_string(status) + ":" + std::string(reinterpret_cast<const char *>(data), len);
  d->done = true;
  d->settled.notify_all();
}

} // namespace

// "0:" on success, else "STATUS:message".
extern "C" JNIEXPORT jstring JNICALL Java_com_otelsessions_HostLibrary_initSessions(JNIEnv *env, jclass, jstring config) {
  std::string c = utf8(env, config);
  OtsBuf err{nullptr, 0};
  int32_t status = ots_init(reinterpret_cast<const uint8_t *>(c.data()), c.size(), &handle, &err);
  return text(env, status, err);
}

// "STATUS:result JSON or message".
extern "C" JNIEXPORT jstring JNICALL
Java_com_otelsessions_HostLibrary_call(JNIEnv *env, jclass, jstring method, jstring args) {
  std::string m = utf8(env, method);
  std::string a = utf8(env, args);
  OtsBuf result{nullptr, 0};
  int32_t status = ots_call(
      handle, reinterpret_cast<const uint8_t *>(m.data()), m.size(), reinterpret_cast<const uint8_t *>(a.data()),
      a.size(), &result);
  return text(env, status, result);
}

// Sessions.flush(), waited for at most timeoutMs: "STATUS:data", or "timeout".
extern "C" JNIEXPORT jstring JNICALL Java_com_otelsessions_HostLibrary_flush(JNIEnv *env, jclass, jlong timeoutMs) {
  auto *done = new Done(); // leaked on a timeout: the library may still settle it later
  const std::string method = "flush";
  const std::string args = "[]";
  ots_call_async(
      handle, reinterpret_cast<const uint8_t *>(method.data()), method.size(),
      reinterpret_cast<const uint8_t *>(args.data()), args.size(), &onDone, done);
  std::unique_lock<std::mutex> lock(done->mutex);
  if (!done->settled.wait_for(lock, std::chrono::milliseconds(timeoutMs), [done] { return done->done; })) {
    return env->NewStringUTF("timeout");
  }
  std::string result = done->result;
  lock.unlock();
  delete done;
  return env->NewStringUTF(result.c_str());
}

extern "C" JNIEXPORT void JNICALL Java_com_otelsessions_HostLibrary_release(JNIEnv *, jclass) {
  if (handle != nullptr) {
    ots_release(handle);
    handle = nullptr;
  }
}
