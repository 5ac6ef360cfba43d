// JNI entry points of libotelsessions.so (Kotlin side: com.otelsessions.OtelSessionsNative, an
// implementation of NativeLibrary whose methods are instance methods registered here by name).
// Needs fbjni and React Native's Android-only headers, so it is compiled only by the app's
// CMake build (and on the host by scripts/native/android-cpp.sh, against the AARs' headers);
// everything platform-neutral lives in RuntimeBinding / BindingsInstallFunction.
#include <jni.h>

#include <cstdint>
#include <memory>
#include <string>

#include <ReactCommon/BindingsInstallerHolder.h>
#include <ReactCommon/CallInvokerHolder.h>
#include <fbjni/fbjni.h>

#include "BindingsInstallFunction.h"
#include "HttpTransportJni.h"
#include "RuntimeBinding.h"
#include "otel_sessions.h"

namespace {

using facebook::jni::alias_ref;
using facebook::jni::JArrayByte;
using facebook::jni::JString;
using facebook::jni::local_ref;
using facebook::react::BindingsInstallerHolder;
using facebook::react::CallInvokerHolder;
using otelsessions::android::JOkHttpTransport;
using otelsessions::platform::RuntimeBinding;

// Every native method of OtelSessionsNative.kt, registered by name with the descriptor fbjni
// derives from the C++ signature. scripts/native/android-jni.sh compares these descriptors with
// the compiled Kotlin class, so a signature drifting on either side fails on the host.
#define OTS_JNI_METHODS(X) \
  X(createBinding)         \
  X(bindingsInstaller)     \
  X(isInstalled)           \
  X(installError)          \
  X(disposeBinding)        \
  X(appForeground)         \
  X(appBackground)         \
  X(setPlatformInfo)       \
  X(setTransport)          \
  X(transportComplete)

// A module's RuntimeBinding crosses to Kotlin as a jlong: a heap-allocated shared_ptr, so the
// installer React Native keeps can outlive the module's handle. 0 is never a live handle.
using BindingRef = std::shared_ptr<RuntimeBinding>;

BindingRef *fromHandle(jlong handle) {
  return reinterpret_cast<BindingRef *>(static_cast<intptr_t>(handle));
}

struct OtelSessionsNative : facebook::jni::JavaClass<OtelSessionsNative> {
  static constexpr auto kJavaDescriptor = "Lcom/otelsessions/OtelSessionsNative;";

  static jlong createBinding(alias_ref<javaobject>) {
    return static_cast<jlong>(reinterpret_cast<intptr_t>(new BindingRef(std::make_shared<RuntimeBinding>())));
  }

  // With handle 0 (a module already invalidated) the installer installs nothing.
  static local_ref<BindingsInstallerHolder::javaobject>
  bindingsInstaller(alias_ref<javaobject>, jlong handle, alias_ref<CallInvokerHolder::javaobject> jsInvokerHolder) {
    std::shared_ptr<facebook::react::CallInvoker> fallback;
    if (jsInvokerHolder) {
      fallback = jsInvokerHolder->cthis()->getCallInvoker();
    }
    BindingRef binding = handle == 0 ? nullptr : *fromHandle(handle);
    return BindingsInstallerHolder::newObjectCxxArgs(
        otelsessions::platform::makeInstallFunction<BindingsInstallerHolder>(std::move(binding), std::move(fallback)));
  }

  static jboolean isInstalled(alias_ref<javaobject>, jlong handle) {
    return handle != 0 && (*fromHandle(handle))->installed() ? JNI_TRUE : JNI_FALSE;
  }

  static local_ref<JString> installError(alias_ref<javaobject>, jlong handle) {
    std::string error = handle == 0 ? std::string() : (*fromHandle(handle))->installError();
    return error.empty() ? nullptr : facebook::jni::make_jstring(error);
  }

  // Invalidates the binding on its runtime and frees the handle; the handle is dead afterwards.
  static void disposeBinding(alias_ref<javaobject>, jlong handle) {
    if (handle == 0) {
      return;
    }
    BindingRef *binding = fromHandle(handle);
    (*binding)->invalidate();
    delete binding;
  }

  static void appForeground(alias_ref<javaobject>) {
    ots_app_foreground();
  }

  static void appBackground(alias_ref<javaobject>) {
    ots_app_background();
  }

  // Returns null on success, else the library's message.
  static local_ref<JString> setPlatformInfo(alias_ref<javaobject>, alias_ref<JString> json) {
    std::string utf8 = json->toStdString();
    OtsBuf err{nullptr, 0};
    int32_t status = ots_set_platform_info(reinterpret_cast<const uint8_t *>(utf8.data()), utf8.size(), &err);
    if (status == OTS_OK) {
      return nullptr;
    }
    std::string message(reinterpret_cast<const char *>(err.ptr), err.len);
    ots_buf_free(err);
    return facebook::jni::make_jstring(message);
  }

  static jint setTransport(alias_ref<javaobject>, alias_ref<JOkHttpTransport::javaobject> transport) {
    return otelsessions::android::setTransport(transport);
  }

  static jint transportComplete(
      alias_ref<javaobject>,
      jlong id,
      jint status,
      alias_ref<JString> retryAfter,
      alias_ref<JArrayByte> body) {
    return otelsessions::android::transportComplete(id, status, retryAfter, body);
  }

  static void registerNatives() {
#define OTS_REGISTER(name) makeNativeMethod(#name, OtelSessionsNative::name),
    javaClassStatic()->registerNatives({OTS_JNI_METHODS(OTS_REGISTER)});
#undef OTS_REGISTER
  }
};

} // namespace

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *) {
  return facebook::jni::initialize(vm, [] {
    OtelSessionsNative::registerNatives();
    otelsessions::android::resolveTransportClass();
  });
}
