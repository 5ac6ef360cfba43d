// The platform HTTP transport of the C ABI (OtsSendFn, ots_set_transport, ots_transport_complete
// in rust/jsi/include/otel_sessions.h) on Android: the Rust uploader's requests go to the Kotlin
// OkHttpTransport, and its completions come back. Only bytes move here; every decision is Rust's.
#pragma once

#include <fbjni/fbjni.h>

namespace otelsessions::android {

/// com.otelsessions.OkHttpTransport, whose `send` performs one POST on the app's OkHttp client.
struct JOkHttpTransport : facebook::jni::JavaClass<JOkHttpTransport> {
  static constexpr auto kJavaDescriptor = "Lcom/otelsessions/OkHttpTransport;";
};

/// The Java signature of `OkHttpTransport.send(id, url, headerNames, headerValues, body, timeoutMs)`;
/// scripts/native/android-jni.sh checks its JNI descriptor against the compiled Kotlin.
using SendMethod = void(
    jlong,
    jstring,
    facebook::jni::jtypeArray<jstring>,
    facebook::jni::jtypeArray<jstring>,
    jbyteArray,
    jint);

/// Looks up `OkHttpTransport.send` once, on a thread whose class loader knows the app's classes
/// (JNI_OnLoad): the Rust uploader thread that later calls it is attached without one.
void resolveTransportClass();

/// `OtelSessionsNative.setTransport(transport)`: registers [transport] with `ots_set_transport`
/// (process-wide, replacing an earlier one). Returns the C ABI status.
jint setTransport(facebook::jni::alias_ref<JOkHttpTransport::javaobject> transport);

/// `OtelSessionsNative.transportComplete(...)`: `ots_transport_complete` with the Java values.
jint transportComplete(
    jlong id,
    jint status,
    facebook::jni::alias_ref<facebook::jni::JString> retryAfter,
    facebook::jni::alias_ref<facebook::jni::JArrayByte> body);

} // namespace otelsessions::android
