// The thin C++ side of the JSI binding: installs `global.__otelSessions`, whose methods
// serialise their arguments to JSON and call the Rust C ABI (otel_sessions.h).
//
// Compiled by the platform build (CMake on Android, the podspec on iOS, the Linux JSI host's
// script) against the app's own React Native headers: never by cargo, never against a copy.
#pragma once

#include <memory>

#include <jsi/jsi.h>

namespace facebook::react {
class CallInvoker;
}

namespace otelsessions {

/// Installs `global.__otelSessions` in `runtime`. Call on the JS thread. Listener callbacks
/// and promise settlements reach JavaScript only through `jsInvoker`, on the JS thread.
void install(facebook::jsi::Runtime &runtime, std::shared_ptr<facebook::react::CallInvoker> jsInvoker);

/// Call before `runtime` is destroyed (a TurboModule's `invalidate`, a reload), on a thread
/// where no JavaScript can run on it meanwhile: on Android (bridgeless) that is the ReactHost's
/// background thread, in `ReactInstance.destroy()`, after the JS thread has been joined; on iOS
/// the JS thread itself (the module's methodQueue is RCTJSThread). Releases the native handle
/// and destroys every JS function the binding holds (listeners, unsettled promises) while the
/// runtime is still alive. Later notifications for this runtime are dropped. Safe to call
/// twice; without it, teardown leaks those functions instead of touching a dead runtime.
void invalidate(facebook::jsi::Runtime &runtime);

/// Promises (flush, clearAllData) not yet settled, in this process: a host can wait for them.
int pendingAsyncCalls();

} // namespace otelsessions
