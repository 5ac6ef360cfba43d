// The function React Native's BindingsInstallerHolder calls to install our binding, in the
// shape the app's React Native version expects. No fbjni here: the holder type is a template
// parameter, so this compiles (and both shapes are exercised) on the Linux host.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include <ReactCommon/CallInvoker.h>
#include <jsi/jsi.h>

#include "RuntimeBinding.h"

namespace otelsessions::platform {

/// True when `Holder::installBindings` hands the installer a CallInvoker along with the runtime
/// (React Native 0.77 and later); false for the runtime-only shape of React Native 0.76.
template <class Holder>
inline constexpr bool kInstallerReceivesCallInvoker = std::is_invocable_v<
    decltype(&Holder::installBindings),
    Holder &,
    facebook::jsi::Runtime &,
    const std::shared_ptr<facebook::react::CallInvoker> &>;

/// The install function for `Holder` (React Native's BindingsInstallerHolder): installs the
/// binding into the runtime React Native passes, with the JS CallInvoker the holder passes
/// along, else with `fallbackInvoker` (the React context's JS CallInvoker, which the Kotlin
/// module fetches; the only one React Native 0.76 offers). Failures are kept in `binding`.
/// With a null `binding` (the module was already invalidated) the function installs nothing.
template <class Holder>
auto makeInstallFunction(
    std::shared_ptr<RuntimeBinding> binding,
    std::shared_ptr<facebook::react::CallInvoker> fallbackInvoker) {
  if constexpr (kInstallerReceivesCallInvoker<Holder>) {
    return [binding = std::move(binding), fallbackInvoker = std::move(fallbackInvoker)](
               facebook::jsi::Runtime &runtime, const std::shared_ptr<facebook::react::CallInvoker> &jsInvoker) {
      if (binding) {
        binding->install(runtime, jsInvoker ? jsInvoker : fallbackInvoker);
      }
    };
  } else {
    return [binding = std::move(binding), fallbackInvoker = std::move(fallbackInvoker)](
               facebook::jsi::Runtime &runtime) {
      if (binding) {
        binding->install(runtime, fallbackInvoker);
      }
    };
  }
}

} // namespace otelsessions::platform
