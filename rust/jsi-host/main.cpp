// The Linux JSI host: React Native's own JSCRuntime over Debian's JavaScriptCore, with the
// binding installed exactly as the device glue installs it, a CallInvoker backed by this
// program's event loop, and the globals a test or demo script needs.
//
//   otel-sessions-host <file.js> [args...]
//
// Globals: console.{log,info,warn,error,debug}; setTimeout/clearTimeout/setInterval/
// clearInterval; queueMicrotask; performance.{now,timeOrigin}; __harness.{setAppState(
// 'active'|'background'), exit(code), argv, env(name), readFile(path) (text or undefined),
// gc() (a full JavaScriptCore collection, for memory benchmarks)}.
// Exits non-zero on an uncaught exception or an unhandled promise rejection (printing the JS
// stack), and exits when nothing is scheduled: no task, no timer, no unsettled library promise.
// With OTS_HOST_REPORT_TEARDOWN set, prints how long the binding's teardown took
// (TEARDOWN_MS <ms>, on stderr). Uploads go through libcurl (CurlTransport.cpp).

// The host builds JSCRuntime.cpp itself and needs its class (for the JSC context).
#include <jsc/JSCRuntime.cpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <ReactCommon/CallInvoker.h>

#include "CurlTransport.h"
#include "OtelSessionsJsi.h"
#include "otel_sessions.h"

extern "C" void JSGlobalContextSetUnhandledRejectionCallback(JSGlobalContextRef ctx,
                                                                        JSObjectRef function,
                                                                        JSValueRef *exception);

namespace jsi = facebook::jsi;
using facebook::react::CallFunc;
using facebook::react::CallInvoker;
using Clock = std::chrono::steady_clock;

namespace {

struct Timer {
  Clock::time_point due;
  std::chrono::milliseconds interval;
  bool repeat;
  std::shared_ptr<jsi::Function> fn;
};

// The JS thread's loop: tasks posted from any thread, timers from the JS thread.
class Loop {
 public:
  void post(CallFunc &&f) {
    {
      std::lock_guard<std::mutex> g(mutex_);
      tasks_.push_back(std::move(f));
    }
    cv_.notify_one();
  }

  uint64_t addTimer(std::shared_ptr<jsi::Function> fn, double ms, bool repeat) {
    auto interval = std::chrono::milliseconds(static_cast<int64_t>(ms > 0 ? ms : 0));
    uint64_t id = nextTimer_++;
    timers_[id] = Timer{Clock::now() + interval, interval, repeat, std::move(fn)};
    return id;
  }

  void clearTimer(uint64_t id) { timers_.erase(id); }

  void requestExit(int code) {
    exitCode_ = code;
    exit_ = true;
  }

  // Runs until exit is requested or nothing is left to do. Returns the exit code.
  int run(jsi::Runtime &rt, const std::function<void()> &afterEachTurn) {
    while (!exit_) {
      std::deque<CallFunc> ready;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (tasks_.empty()) {
          bool nothingLeft = timers_.empty() && otelsessions::pendingAsyncCalls() == 0;
          if (nothingLeft) break;
          auto wakeAt = Clock::now() + std::chrono::milliseconds(50);
          for (auto &t : timers_) wakeAt = std::min(wakeAt, t.second.due);
          cv_.wait_until(lock, wakeAt);
        }
        ready.swap(tasks_);
      }
      for (auto &task : ready) {
        task(rt);
        afterEachTurn();
        if (exit_) return exitCode_;
      }
      runDueTimers(rt, afterEachTurn);
    }
    return exitCode_;
  }

  void clearAll() {
    timers_.clear();
    std::lock_guard<std::mutex> g(mutex_);
    tasks_.clear();
  }

 private:
  void runDueTimers(jsi::Runtime &rt, const std::function<void()> &afterEachTurn) {
    auto now = Clock::now();
    std::vector<uint64_t> due;
    for (auto &t : timers_)
      if (t.second.due <= now) due.push_back(t.first);
    for (uint64_t id : due) {
      auto it = timers_.find(id);
      if (it == timers_.end()) continue;  // cleared by an earlier timer
      auto fn = it->second.fn;
      if (it->second.repeat) {
        it->second.due = now + std::max(it->second.interval, std::chrono::milliseconds(1));
      } else {
        timers_.erase(it);
      }
      fn->call(rt);
      afterEachTurn();
      if (exit_) return;
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<CallFunc> tasks_;
  std::map<uint64_t, Timer> timers_;
  uint64_t nextTimer_ = 1;
  bool exit_ = false;
  int exitCode_ = 0;
};

// Posts that found the loop gone (reported with OTS_HOST_LINGER_MS).
std::atomic<int> gLatePosts{0};

// Holds the loop weakly, as React Native's invokers hold their scheduler: a library thread that
// finishes after the loop has ended (an async call still running when the script exits) posts
// to nothing, instead of locking the mutex of a destroyed loop (std::system_error, then
// std::terminate, since invokeAsync is noexcept).
class HostInvoker : public CallInvoker {
 public:
  explicit HostInvoker(const std::shared_ptr<Loop> &loop) : loop_(loop) {}
  using CallInvoker::invokeAsync;
  using CallInvoker::invokeSync;
  void invokeAsync(CallFunc &&func) noexcept override {
    if (auto loop = loop_.lock()) {
      loop->post(std::move(func));
    } else {
      gLatePosts++;
    }
  }
  void invokeSync(CallFunc &&) override { throw std::logic_error("invokeSync is not supported by this host"); }

 private:
  std::weak_ptr<Loop> loop_;
};

// What JavaScript sees as console, timers and __harness, on top of a few host functions.
const char *kPrelude = R"JS(
(function () {
  const g = globalThis;
  const fmt = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return (v.stack ? v.name + ': ' + v.message + '\n' + v.stack : String(v));
    if (typeof v === 'object' && v !== null) { try { return JSON.stringify(v); } catch (e) { return String(v); } }
    return String(v);
  };
  const print = g.__hostPrint;
  g.console = {};
  for (const level of ['log', 'info', 'debug', 'warn', 'error']) {
    g.console[level] = (...args) => print(level, args.map(fmt).join(' '));
  }
  const setTimer = g.__hostSetTimer, clearTimer = g.__hostClearTimer;
  g.setTimeout = (fn, ms, ...args) => setTimer(() => fn(...args), Number(ms) || 0, false);
  g.setInterval = (fn, ms, ...args) => setTimer(() => fn(...args), Number(ms) || 0, true);
  g.clearTimeout = g.clearInterval = (id) => { if (typeof id === 'number') clearTimer(id); };
  if (typeof g.performance !== 'object') {
    // As React Native provides it: a monotonic clock in milliseconds since start.
    const origin = Date.now(), now = g.__hostNowMs;
    g.performance = { timeOrigin: origin, now: () => now() };
  }
  if (typeof g.queueMicrotask !== 'function') {
    g.queueMicrotask = (fn) => { Promise.resolve().then(fn); };
  }
  g.__hostUnhandled = [];
  g.__harness = {
    setAppState: (s) => {
      if (s !== 'active' && s !== 'background') throw new TypeError("__harness.setAppState: expected 'active' or 'background'");
      g.__hostSetAppState(s);
    },
    exit: (code) => g.__hostExit(Number(code) || 0),
    argv: g.__hostArgv,
    env: (name) => g.__hostEnv(String(name)),
    readFile: (path) => g.__hostReadFile(String(path)),
    gc: () => g.__hostGc(),
  };
})();
)JS";

void defineHostFunction(jsi::Runtime &rt, const char *name, unsigned params, jsi::HostFunctionType fn) {
  rt.global().setProperty(rt, name, jsi::Function::createFromHostFunction(rt, jsi::PropNameID::forAscii(rt, name), params, std::move(fn)));
}

void installGlobals(jsi::Runtime &rt, Loop &loop, const std::vector<std::string> &argv, JSGlobalContextRef ctx) {
  defineHostFunction(rt, "__hostGc", 0, [ctx](jsi::Runtime &, const jsi::Value &, const jsi::Value *, size_t) {
    JSGarbageCollect(ctx); // benchmarks: measure what is retained, not garbage not yet collected
    return jsi::Value::undefined();
  });
  defineHostFunction(rt, "__hostPrint", 2, [](jsi::Runtime &rt, const jsi::Value &, const jsi::Value *a, size_t) {
    std::string level = a[0].getString(rt).utf8(rt);
    std::string text = a[1].getString(rt).utf8(rt);
    std::ostream &out = (level == "warn" || level == "error") ? std::cerr : std::cout;
    out << text << std::endl;
    return jsi::Value::undefined();
  });
  defineHostFunction(rt, "__hostSetTimer", 3, [&loop](jsi::Runtime &rt, const jsi::Value &, const jsi::Value *a, size_t) {
    auto fn = std::make_shared<jsi::Function>(a[0].getObject(rt).getFunction(rt));
    return jsi::Value(static_cast<double>(loop.addTimer(fn, a[1].getNumber(), a[2].getBool())));
  });
  defineHostFunction(rt, "__hostClearTimer", 1, [&loop](jsi::Runtime &, const jsi::Value &, const jsi::Value *a, size_t) {
    loop.clearTimer(static_cast<uint64_t>(a[0].getNumber()));
    return jsi::Value::undefined();
  });
  defineHostFunction(rt, "__hostSetAppState", 1, [](jsi::Runtime &rt, const jsi::Value &, const jsi::Value *a, size_t) {
    // The same C ABI the Android/iOS lifecycle glue calls.
    if (a[0].getString(rt).utf8(rt) == "active") {
      ots_app_foreground();
    } else {
      ots_app_background();
    }
    return jsi::Value::undefined();
  });
  defineHostFunction(rt, "__hostExit", 1, [&loop](jsi::Runtime &, const jsi::Value &, const jsi::Value *a, size_t) {
    loop.requestExit(static_cast<int>(a[0].getNumber()));
    return jsi::Value::undefined();
  });
  defineHostFunction(rt, "__hostEnv", 1, [](jsi::Runtime &rt, const jsi::Value &, const jsi::Value *a, size_t) {
    const char *v = std::getenv(a[0].getString(rt).utf8(rt).c_str());
    return v ? jsi::Value(jsi::String::createFromUtf8(rt, v)) : jsi::Value::undefined();
  });
  static const auto start = std::chrono::steady_clock::now();
  defineHostFunction(rt, "__hostNowMs", 0, [](jsi::Runtime &, const jsi::Value &, const jsi::Value *, size_t) {
    return jsi::Value(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  });
  defineHostFunction(rt, "__hostReadFile", 1, [](jsi::Runtime &rt, const jsi::Value &, const jsi::Value *a, size_t) {
    std::ifstream in(a[0].getString(rt).utf8(rt), std::ios::binary);
    if (!in) return jsi::Value::undefined();
    std::ostringstream text;
    text << in.rdbuf();
    return jsi::Value(jsi::String::createFromUtf8(rt, text.str()));
  });
  jsi::Array args(rt, argv.size());
  for (size_t i = 0; i < argv.size(); i++) args.setValueAtIndex(rt, i, jsi::String::createFromUtf8(rt, argv[i]));
  rt.global().setProperty(rt, "__hostArgv", args);
  rt.evaluateJavaScript(std::make_shared<jsi::StringBuffer>(kPrelude), "host-prelude.js");
}

// JSC reports a rejection nobody handled to this function; the loop checks the list.
void trackUnhandledRejections(JSGlobalContextRef ctx) {
  JSStringRef src = JSStringCreateWithUTF8CString("(function (promise, reason) { globalThis.__hostUnhandled.push(reason); })");
  JSValueRef fn = JSEvaluateScript(ctx, src, nullptr, nullptr, 0, nullptr);
  JSStringRelease(src);
  JSGlobalContextSetUnhandledRejectionCallback(ctx, JSValueToObject(ctx, fn, nullptr), nullptr);
}

// Throws (as an uncaught error would) if a promise rejection went unhandled.
void checkUnhandled(jsi::Runtime &rt) {
  jsi::Array list = rt.global().getPropertyAsObject(rt, "__hostUnhandled").getArray(rt);
  if (list.size(rt) == 0) return;
  jsi::Value reason = list.getValueAtIndex(rt, 0);
  std::string text = "unhandled promise rejection";
  if (reason.isObject()) {
    jsi::Object o = reason.getObject(rt);
    jsi::Value stack = o.getProperty(rt, "stack");
    jsi::Value message = o.getProperty(rt, "message");
    if (message.isString()) text += ": " + message.getString(rt).utf8(rt);
    if (stack.isString()) text += "\n" + stack.getString(rt).utf8(rt);
  } else if (reason.isString()) {
    text += ": " + reason.getString(rt).utf8(rt);
  }
  throw std::runtime_error(text);
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::cerr << "usage: otel-sessions-host <file.js> [args...]" << std::endl;
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "otel-sessions-host: cannot read " << argv[1] << std::endl;
    return 2;
  }
  std::stringstream source;
  source << in.rdbuf();
  std::vector<std::string> args(argv + 2, argv + argc);

  int code = 0;
  otshost::installCurlTransport(); // uploads go through the "platform" HTTP stack, as on a device
  auto loopOwner = std::make_shared<Loop>();
  Loop &loop = *loopOwner;
  {
    auto runtime = std::make_unique<facebook::jsc::JSCRuntime>();
    jsi::Runtime &rt = *runtime;
    auto invoker = std::make_shared<HostInvoker>(loopOwner);
    try {
      installGlobals(rt, loop, args, runtime->getContext());
      trackUnhandledRejections(runtime->getContext());
      otelsessions::install(rt, invoker);
      rt.evaluateJavaScript(std::make_shared<jsi::StringBuffer>(source.str()), argv[1]);
      checkUnhandled(rt);
      code = loop.run(rt, [&rt] { checkUnhandled(rt); });
    } catch (const jsi::JSError &e) {
      std::cerr << "Uncaught " << e.getMessage() << "\n" << e.getStack() << std::endl;
      code = 1;
    } catch (const std::exception &e) {
      std::cerr << "Uncaught " << e.what() << std::endl;
      code = 1;
    }
    // JS values must go before the runtime: the host's own, then the binding's, as a
    // TurboModule's invalidate() does on a device.
    loop.clearAll();
    auto teardownStart = Clock::now();
    otelsessions::invalidate(rt);
    if (std::getenv("OTS_HOST_REPORT_TEARDOWN") != nullptr) {
      auto ms = std::chrono::duration<double, std::milli>(Clock::now() - teardownStart).count();
      std::cerr << "TEARDOWN_MS " << ms << std::endl;
    }
    loop.clearAll();
  }
  // The loop ends with the runtime. OTS_HOST_LINGER_MS keeps the process alive that long after,
  // as an app lives on after a reload tore its runtime down, so that library threads still
  // running (async calls settling late) post to an ended loop (a test checks they are dropped).
  loopOwner.reset();
  if (const char *linger = std::getenv("OTS_HOST_LINGER_MS")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(linger)));
    std::cerr << "LATE_POSTS_DROPPED " << gLatePosts.load() << std::endl;
  }
  return code;
}
