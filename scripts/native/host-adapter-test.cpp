// Host test of the platform-neutral part of the Android adapter (android/src/main/cpp:
// RuntimeBinding, BindingsInstallFunction), built by check-native.sh against a react-native
// package's own headers and run in React Native's JSCRuntime on Linux.
//
// The two holder types stand in for BindingsInstallerHolder (which needs fbjni): they have the
// installBindings shapes of React Native 0.76 (runtime only) and 0.77+ (runtime + CallInvoker),
// and check-symbols.js checks that the real header has one of exactly these shapes.
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <ReactCommon/CallInvoker.h>
#include <jsc/JSCRuntime.h>
#include <jsi/jsi.h>

#include "BindingsInstallFunction.h"
#include "RuntimeBinding.h"

namespace jsi = facebook::jsi;
using facebook::react::CallFunc;
using facebook::react::CallInvoker;
using otelsessions::platform::kInstallerReceivesCallInvoker;
using otelsessions::platform::makeInstallFunction;
using otelsessions::platform::RuntimeBinding;

struct HolderRuntimeOnly {
  void installBindings(jsi::Runtime &runtime);
};
struct HolderWithInvoker {
  void installBindings(jsi::Runtime &runtime, const std::shared_ptr<CallInvoker> &callInvoker);
};

static_assert(!kInstallerReceivesCallInvoker<HolderRuntimeOnly>);
static_assert(kInstallerReceivesCallInvoker<HolderWithInvoker>);
// Each install function converts to the std::function its holder's constructor takes.
static_assert(std::is_constructible_v<
              std::function<void(jsi::Runtime &)>,
              decltype(makeInstallFunction<HolderRuntimeOnly>(nullptr, nullptr))>);
static_assert(std::is_constructible_v<
              std::function<void(jsi::Runtime &, const std::shared_ptr<CallInvoker> &)>,
              decltype(makeInstallFunction<HolderWithInvoker>(nullptr, nullptr))>);
static_assert(!std::is_constructible_v<
              std::function<void(jsi::Runtime &)>,
              decltype(makeInstallFunction<HolderWithInvoker>(nullptr, nullptr))>);

// Runs posted work when drained; enough for install/invalidate, which post nothing.
class QueueInvoker : public CallInvoker {
 public:
  using CallInvoker::invokeAsync;
  using CallInvoker::invokeSync;
  void invokeAsync(CallFunc &&func) noexcept override {
    queue.push_back(std::move(func));
  }
  void invokeSync(CallFunc &&func) override {
    queue.push_back(std::move(func));
  }
  std::deque<CallFunc> queue;
};

static int failures = 0;
static void expect(bool ok, const char *what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  failures += ok ? 0 : 1;
}

static std::string globalType(jsi::Runtime &rt) {
  auto v = rt.evaluateJavaScript(std::make_shared<jsi::StringBuffer>("typeof globalThis.__otelSessions"), "check");
  return v.getString(rt).utf8(rt);
}

int main() {
  auto invoker = std::make_shared<QueueInvoker>();
  {
    auto rt = facebook::jsc::makeJSCRuntime();
    auto binding = std::make_shared<RuntimeBinding>();
    auto install = makeInstallFunction<HolderRuntimeOnly>(binding, invoker);
    install(*rt);
    expect(binding->installed() && globalType(*rt) == "object", "0.76 shape: installs with the fallback invoker");
    install(*rt);
    expect(binding->installed() && binding->installError().empty(), "0.76 shape: a second install is a no-op");
    binding->invalidate();
    expect(!binding->installed(), "invalidate releases the binding");
    binding->invalidate();
    expect(!binding->installed(), "a second invalidate does nothing");
  }
  {
    auto rt = facebook::jsc::makeJSCRuntime();
    auto binding = std::make_shared<RuntimeBinding>();
    auto install = makeInstallFunction<HolderWithInvoker>(binding, nullptr);
    install(*rt, invoker);
    expect(binding->installed() && globalType(*rt) == "object", "0.77+ shape: installs with React Native's invoker");
    binding->invalidate();
  }
  {
    auto rt = facebook::jsc::makeJSCRuntime();
    auto binding = std::make_shared<RuntimeBinding>();
    auto install = makeInstallFunction<HolderWithInvoker>(binding, invoker);
    install(*rt, nullptr);
    expect(binding->installed(), "0.77+ shape: falls back when React Native passes no invoker");
    binding->invalidate();
  }
  {
    auto rt = facebook::jsc::makeJSCRuntime();
    auto binding = std::make_shared<RuntimeBinding>();
    makeInstallFunction<HolderRuntimeOnly>(binding, nullptr)(*rt);
    expect(!binding->installed() && !binding->installError().empty() && globalType(*rt) == "undefined",
           "no invoker at all: not installed, with a message");
  }
  {
    auto rt = facebook::jsc::makeJSCRuntime();
    makeInstallFunction<HolderWithInvoker>(nullptr, invoker)(*rt, invoker);
    makeInstallFunction<HolderRuntimeOnly>(nullptr, invoker)(*rt);
    expect(globalType(*rt) == "undefined", "no binding (module invalidated): both shapes install nothing, no crash");
  }
  return failures == 0 ? 0 : 1;
}
