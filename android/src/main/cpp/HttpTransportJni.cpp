#include "HttpTransportJni.h"

#include <cstdint>
#include <exception>
#include <limits>
#include <string>

#include "otel_sessions.h"

namespace otelsessions::android {
namespace {

using facebook::jni::alias_ref;
using facebook::jni::global_ref;
using facebook::jni::JArrayByte;
using facebook::jni::JArrayClass;
using facebook::jni::JString;
using facebook::jni::local_ref;
using facebook::jni::make_jstring;
using facebook::jni::ThreadScope;


facebook::jni::JMethod<SendMethod> &sendMethod() {
  static facebook::jni::JMethod<SendMethod> method =
      JOkHttpTransport::javaClassStatic()->getMethod<SendMethod>("send");
  return method;
}

// The ctx of ots_set_transport: the Kotlin transport, held across threads.
struct TransportContext {
  global_ref<JOkHttpTransport::javaobject> transport;
};

std::string utf8(const uint8_t *data, size_t len) {
  return len == 0 ? std::string() : std::string(reinterpret_cast<const char *>(data), len);
}

local_ref<JArrayByte> byteArray(const uint8_t *data, size_t len) {
  auto array = JArrayByte::newArray(len);
  if (len > 0) {
    array->setRegion(0, static_cast<jsize>(len), reinterpret_cast<const jbyte *>(data));
  }
  return array;
}

void failSynchronously(uint64_t id, const std::string &why) {
  std::string message = "react-native-otel-sessions: cannot hand the upload to OkHttp: " + why;
  ots_transport_complete(id, 0, nullptr, 0, reinterpret_cast<const uint8_t *>(message.data()), message.size());
}

// OtsSendFn: copies the request into Java objects and calls the Kotlin transport, which returns
// at once. Runs on the Rust uploader thread, attached to the JVM for the call.
void sendThroughOkHttp(void *ctx, const OtsHttpRequest *request) {
  auto *context = static_cast<TransportContext *>(ctx);
  try {
    ThreadScope attached;
    auto names = JArrayClass<jstring>::newArray(request->header_count);
    auto values = JArrayClass<jstring>::newArray(request->header_count);
    for (size_t i = 0; i < request->header_count; i++) {
      const OtsHttpHeader &header = request->headers[i];
      names->setElement(i, make_jstring(utf8(header.name, header.name_len)).get());
      values->setElement(i, make_jstring(utf8(header.value, header.value_len)).get());
    }
    auto url = make_jstring(utf8(request->url, request->url_len));
    auto body = byteArray(request->body, request->body_len);
    jint timeout = request->timeout_ms > static_cast<uint32_t>(std::numeric_limits<jint>::max())
        ? std::numeric_limits<jint>::max()
        : static_cast<jint>(request->timeout_ms);
    sendMethod()(
        context->transport.get(),
        static_cast<jlong>(request->id),
        url.get(),
        names.get(),
        values.get(),
        body.get(),
        timeout);
  } catch (const std::exception &e) {
    // The Kotlin side completes every request itself; this is only reached when the JVM refused
    // (no memory for the arrays, or send threw), and the contract allows completing the same id here.
    failSynchronously(request->id, e.what());
  }
}

// OtsReleaseFn: the library no longer uses the transport. Any thread.
void releaseTransport(void *ctx) {
  ThreadScope attached;
  delete static_cast<TransportContext *>(ctx);
}

} // namespace

void resolveTransportClass() {
  sendMethod();
}

jint setTransport(alias_ref<JOkHttpTransport::javaobject> transport) {
  auto *context = new TransportContext{facebook::jni::make_global(transport)};
  // On a refusal the context is not freed: the library may already have taken ownership, and
  // releasing it twice would be worse than keeping one reference for the process's life.
  return ots_set_transport(sendThroughOkHttp, context, releaseTransport);
}

jint transportComplete(jlong id, jint status, alias_ref<JString> retryAfter, alias_ref<JArrayByte> body) {
  std::string retry = retryAfter ? retryAfter->toStdString() : std::string();
  auto complete = [&](const jbyte *data, size_t len) {
    return ots_transport_complete(
        static_cast<uint64_t>(id),
        status,
        retry.empty() ? nullptr : reinterpret_cast<const uint8_t *>(retry.data()),
        retry.size(),
        reinterpret_cast<const uint8_t *>(data),
        len);
  };
  if (!body) {
    return complete(nullptr, 0);
  }
  auto pinned = body->pin();
  return complete(pinned.get(), pinned.size());
}

} // namespace otelsessions::android
