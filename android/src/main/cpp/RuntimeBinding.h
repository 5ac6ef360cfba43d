// One React Native runtime's copy of the JSI binding, as a TurboModule instance owns it.
// Platform-neutral: no fbjni, no UIKit, so it compiles on the Linux host against the
// pinned React Native headers (scripts/check-native.sh).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <jsi/jsi.h>

namespace facebook::react {
class CallInvoker;
}

namespace otelsessions::platform {

/// Tracks the runtime the binding was installed into, so the module's `invalidate` can tear the
/// binding down before React Native destroys that runtime.
///
/// Thread contract (React Native 0.76 and later, checked in their sources): `install` runs on
/// the JS thread, from the TurboModule manager, when JavaScript first asks for the module.
/// `invalidate` runs when the React instance is torn down, on the ReactHost's background thread
/// (`ReactInstance.destroy()` quits and joins the JS thread, then invalidates the TurboModules),
/// always before the runtime is destroyed; so no JavaScript runs on the runtime while
/// `invalidate` uses it.
class RuntimeBinding {
 public:
  /// Installs `global.__otelSessions` into `runtime`, delivering callbacks through `jsInvoker`.
  /// A second call for the same runtime does nothing. Returns false, remembering the message for
  /// `installError`, if the binding threw or `jsInvoker` is null; never throws.
  bool install(facebook::jsi::Runtime &runtime, std::shared_ptr<facebook::react::CallInvoker> jsInvoker);

  /// True after a successful `install` and until `invalidate`.
  bool installed() const;

  /// Why the last `install` failed; empty when it did not.
  std::string installError() const;

  /// Releases the binding's native handle and the JS functions it holds, on the installed
  /// runtime (see the thread contract above). Later calls, and calls before `install`, do nothing.
  void invalidate();

 private:
  mutable std::mutex mutex_;
  facebook::jsi::Runtime *runtime_ = nullptr;
  std::string error_;
};

} // namespace otelsessions::platform
