// See OtelSessionsJsi.h. Validation and error wording live in Rust; this file moves values
// across: arguments as one JSON string (serialised by the JS glue below), JSON results to JS
// values, status codes to TypeError / RangeError / Error, and callbacks from Rust threads to
// the JS thread.
//
// `global.__otelSessions` is a plain JS object (methods created once at install, so a method
// read is a plain JS read) over one host function per method, plus one small host object whose
// destruction with the runtime releases the native handle.

#include "OtelSessionsJsi.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <string>
#include <unordered_map>
#include <utility>

#include <ReactCommon/CallInvoker.h>

#include "otel_sessions.h"

namespace jsi = facebook::jsi;
using facebook::react::CallInvoker;

namespace otelsessions {
namespace {

std::atomic<int> gPendingAsync{0};


// A library-owned buffer, freed on scope exit.
struct Buf {
  OtsBuf raw{nullptr, 0};
  ~Buf() { ots_buf_free(raw); }
  std::string str() const { return raw.ptr ? std::string(reinterpret_cast<const char *>(raw.ptr), raw.len) : std::string(); }
};

// A JS function that must only be destroyed on the JS thread while its runtime lives; after
// the runtime is gone it is leaked instead (destroying it then would touch freed memory).
struct JsFunction {
  std::unique_ptr<jsi::Function> fn;
  std::shared_ptr<std::atomic<bool>> alive;
  ~JsFunction() {
    if (!alive->load()) {
      (void)fn.release();
    }
  }
};

struct State;
std::shared_ptr<JsFunction> holdFunction(jsi::Runtime &rt, const jsi::Value &v, State &state);

struct State {
  OtsHandle *handle = nullptr;
  std::shared_ptr<CallInvoker> invoker;
  std::shared_ptr<std::atomic<bool>> alive = std::make_shared<std::atomic<bool>>(true);
  // Per subscription id: false once JS unsubscribed (JS thread only), so a notification
  // already queued is not delivered after unsubscribe returns.
  std::unordered_map<uint64_t, std::shared_ptr<bool>> subscribed;
  // Every JS function handed to another thread's callbacks (JS thread only), so that
  // invalidate() can destroy them while the runtime lives.
  std::vector<std::weak_ptr<JsFunction>> held;
  // JSON.parse, looked up once (JS thread only; destroyed by invalidate()).
  std::unique_ptr<jsi::Function> jsonParse;
};

std::shared_ptr<JsFunction> holdFunction(jsi::Runtime &rt, const jsi::Value &v, State &state) {
  auto f = std::shared_ptr<JsFunction>(
      new JsFunction{std::make_unique<jsi::Function>(v.getObject(rt).getFunction(rt)), state.alive});
  if (state.held.size() > 64) {
    state.held.erase(std::remove_if(state.held.begin(), state.held.end(), [](auto &w) { return w.expired(); }),
                     state.held.end());
  }
  state.held.push_back(f);
  return f;
}

std::mutex gStatesMutex;
std::unordered_map<jsi::Runtime *, std::shared_ptr<State>> gStates;

// Lives as long as the runtime: its destructor runs when the runtime is torn down (reload).
class Lifetime : public jsi::HostObject {
 public:
  explicit Lifetime(std::shared_ptr<State> state) : state_(std::move(state)) {}
  ~Lifetime() override {
    {
      // Without invalidate(): forget this runtime (its address may be reused) and leak
      // whatever JS functions are still held rather than touch a dying runtime.
      std::lock_guard<std::mutex> g(gStatesMutex);
      for (auto it = gStates.begin(); it != gStates.end(); ++it) {
        if (it->second == state_) {
          gStates.erase(it);
          break;
        }
      }
    }
    state_->alive->store(false);
    (void)state_->jsonParse.release();
    if (state_->handle) {
      ots_release(state_->handle);
      state_->handle = nullptr;
    }
  }

 private:
  std::shared_ptr<State> state_;
};

jsi::Value makeError(jsi::Runtime &rt, int32_t status, const std::string &message) {
  const char *cls = status == OTS_TYPE_ERROR ? "TypeError" : status == OTS_RANGE_ERROR ? "RangeError" : "Error";
  return rt.global().getPropertyAsFunction(rt, cls).callAsConstructor(rt, jsi::String::createFromUtf8(rt, message));
}

[[noreturn]] void throwStatus(jsi::Runtime &rt, int32_t status, const std::string &message) {
  throw jsi::JSError(rt, makeError(rt, status, message));
}

// JSON text from Rust as a JS value, with as few runtime calls as possible: void results
// (null) and plain strings are made directly; anything else goes through JSON.parse.
jsi::Value fromJson(jsi::Runtime &rt, const std::string &json, const jsi::Function *parse = nullptr) {
  if (json.empty() || json == "null") return jsi::Value::undefined();
  if (json.size() >= 2 && json.front() == '"' && json.back() == '"' &&
      json.find('\\', 1) == std::string::npos) {
    return jsi::String::createFromUtf8(rt, reinterpret_cast<const uint8_t *>(json.data()) + 1, json.size() - 2);
  }
  if (parse) return parse->call(rt, jsi::String::createFromUtf8(rt, json));
  return jsi::Value::createFromJsonUtf8(rt, reinterpret_cast<const uint8_t *>(json.data()), json.size());
}

using HostFn = std::function<jsi::Value(jsi::Runtime &, const jsi::Value *, size_t)>;

void define(jsi::Runtime &rt, jsi::Object &api, const char *name, unsigned params, HostFn fn) {
  auto f = jsi::Function::createFromHostFunction(
      rt, jsi::PropNameID::forAscii(rt, name), params,
      [fn = std::move(fn)](jsi::Runtime &rt, const jsi::Value &, const jsi::Value *args, size_t count) {
        return fn(rt, args, count);
      });
  api.setProperty(rt, name, f);
}

struct AsyncCall {
  std::shared_ptr<CallInvoker> invoker;
  std::shared_ptr<JsFunction> resolve;
  std::shared_ptr<JsFunction> reject;
};

void onAsyncDone(void *ctx, int32_t status, const uint8_t *data, size_t len) {
  auto *call = static_cast<AsyncCall *>(ctx);
  std::string payload(reinterpret_cast<const char *>(data), len);
  auto invoker = call->invoker;
  invoker->invokeAsync([call, status, payload = std::move(payload)](jsi::Runtime &rt) {
    std::unique_ptr<AsyncCall> owned(call);
    gPendingAsync--;
    if (!owned->resolve->alive->load() || !owned->resolve->fn || !owned->reject->fn) return;
    if (status == OTS_OK) {
      owned->resolve->fn->call(rt, fromJson(rt, payload));
    } else {
      owned->reject->fn->call(rt, makeError(rt, status, payload));
    }
  });
}

struct Listener {
  std::shared_ptr<CallInvoker> invoker;
  std::shared_ptr<JsFunction> fn;
  std::shared_ptr<bool> subscribed;  // read and written on the JS thread only
};

void onSessionChange(void *ctx, const uint8_t *data, size_t len) {
  auto *l = static_cast<Listener *>(ctx);
  std::string payload(reinterpret_cast<const char *>(data), len);
  l->invoker->invokeAsync([fn = l->fn, subscribed = l->subscribed, payload = std::move(payload)](jsi::Runtime &rt) {
    if (!fn->alive->load() || !*subscribed || !fn->fn) return;
    jsi::Value change = fromJson(rt, payload);
    jsi::Object o = change.getObject(rt);
    fn->fn->call(rt, o.getProperty(rt, "session"), o.getProperty(rt, "previous"));
  });
}

void onListenerRelease(void *ctx) {
  std::unique_ptr<Listener> l(static_cast<Listener *>(ctx));
  // The function's last reference goes on the JS thread.
  l->invoker->invokeAsync([fn = std::move(l->fn)](jsi::Runtime &) mutable { fn.reset(); });
}

// The public methods, in JS: arguments are serialised here with one JSON.stringify (a
// replacer marks what JSON cannot hold, for Rust to word the error), so that exactly one
// string crosses JSI per call. Only strings, one function (subscribe) and one number
// (unsubscribe) ever reach the host functions: React Native's JSCRuntime aborts the process
// when a BigInt reaches any host function (JSCRuntime::createValue), so none can.
const char *const kGlue = R"JS((function (native) {
  'use strict';
  function replacer(key, value) {
    switch (typeof value) {
      case 'number': return isFinite(value) ? value : { $number: String(value) };
      case 'bigint': return { $unsupported: 'a bigint' };
      case 'function': return { $unsupported: 'a function' };
      case 'symbol': return { $unsupported: 'a symbol' };
      case 'undefined': return null;
      default: return value;
    }
  }
  // Bulk data already checked in JS (the bridge's exports, queued events) skips
  // the replacer (a JS call per value, most of the cost), so NaN becomes null there.
  var bulk = { exportSpans: true, exportLogs: true, recordEvents: true };
  function encode(method, value) {
    var json;
    try {
      json = bulk[method] ? JSON.stringify(value) : JSON.stringify(value, replacer);
    } catch (e) {
      if (/cycl|circular|call stack|too much recursion/i.test(String(e && e.message))) {
        throw new TypeError('Sessions.' + method + ': an argument is cyclic or nested too deeply; pass plain data');
      }
      if (/bigint/i.test(String(e && e.message))) {
        throw new TypeError('Sessions.' + method + ': a BigInt cannot be sent; convert it to a number or a string');
      }
      throw e; // a getter or a proxy trap threw: its own error
    }
    if (json === undefined) json = 'null';
    if (json.length > 1048576) {
      throw new RangeError('Sessions.' + method + ': the arguments are over 1 MiB as JSON; pass less data');
    }
    return json;
  }
  function argsJson(method, args) {
    return args.length === 0 ? '[]' : encode(method, Array.prototype.slice.call(args));
  }
  var api = {};
  api.init = function (config) { return native.init(encode('init', config)); };
  native.syncMethods.forEach(function (m) {
    var f = native[m];
    api[m] = function () { return arguments.length === 0 ? f() : f(encode(m, Array.prototype.slice.call(arguments))); };
  });
  native.asyncMethods.forEach(function (m) {
    api[m] = function () { return native.callAsync(m, argsJson(m, arguments)); };
  });
  api.subscribe = function (listener) {
    if (typeof listener !== 'function') throw new TypeError("Sessions.subscribe: argument 'listener' must be a function");
    return native.subscribe(listener);
  };
  api.unsubscribe = function (id) {
    if (typeof id !== 'number') throw new TypeError("Sessions.unsubscribe: argument 'id' must be the number subscribe returned");
    return native.unsubscribe(id);
  };
  return api;
}))JS";

std::string stringArg(jsi::Runtime &rt, const jsi::Value *args, size_t count, size_t i) {
  return i < count && args[i].isString() ? args[i].getString(rt).utf8(rt) : std::string("null");
}

} // namespace

int pendingAsyncCalls() {
  return gPendingAsync.load();
}

void invalidate(jsi::Runtime &rt) {
  std::shared_ptr<State> state;
  {
    std::lock_guard<std::mutex> g(gStatesMutex);
    auto it = gStates.find(&rt);
    if (it == gStates.end()) return;
    state = it->second;
    gStates.erase(it);
  }
  for (auto &entry : state->subscribed) *entry.second = false;
  state->subscribed.clear();
  if (state->handle) {
    ots_release(state->handle);  // listeners are released; their last references may be queued
    state->handle = nullptr;
  }
  for (auto &w : state->held) {
    if (auto f = w.lock()) f->fn.reset();  // destroyed now, on the JS thread, runtime alive
  }
  state->held.clear();
  state->jsonParse.reset();
  state->alive->store(false);
}

void install(jsi::Runtime &rt, std::shared_ptr<CallInvoker> jsInvoker) {
  auto state = std::make_shared<State>();
  state->invoker = std::move(jsInvoker);
  state->jsonParse = std::make_unique<jsi::Function>(
      rt.global().getPropertyAsObject(rt, "JSON").getPropertyAsFunction(rt, "parse"));
  jsi::Object native(rt);

  define(rt, native, "init", 1, [state](jsi::Runtime &rt, const jsi::Value *args, size_t count) {
    std::string config = stringArg(rt, args, count, 0);
    OtsHandle *handle = nullptr;
    Buf err;
    int32_t status = ots_init(reinterpret_cast<const uint8_t *>(config.data()), config.size(), &handle, &err.raw);
    if (status != OTS_OK) throwStatus(rt, status, err.str());
    if (state->handle) ots_release(state->handle);
    state->handle = handle;
    return jsi::Value::undefined();
  });

  // One host function per method, so a call passes one string (the arguments) or nothing.
  // The JS glue wraps exactly these (`native.syncMethods`); `stamp` serves the OpenTelemetry
  // JS bridge. The asynchronous ones (`native.asyncMethods`) settle a promise through callAsync;
  // the bridge's exports are among them, so a batch is parsed and ingested off the JS thread.
  static const char *const kSyncMethods[] = {"current",    "end",     "touch",   "setAttribute", "removeAttribute",
                                             "setUser",    "recordEvent", "recordError", "setConsent", "consent",
                                             "history",    "stamp",       "recordEvents"};
  jsi::Array syncMethods(rt, std::size(kSyncMethods));
  size_t index = 0;
  for (const char *name : kSyncMethods) {
    syncMethods.setValueAtIndex(rt, index++, jsi::String::createFromAscii(rt, name));
    std::string method = name;
    define(rt, native, name, 1, [state, method](jsi::Runtime &rt, const jsi::Value *args, size_t count) {
      std::string json = count > 0 ? stringArg(rt, args, count, 0) : std::string("[]");
      Buf result;
      int32_t status = ots_call(state->handle, reinterpret_cast<const uint8_t *>(method.data()), method.size(),
                                reinterpret_cast<const uint8_t *>(json.data()), json.size(), &result.raw);
      if (status != OTS_OK) throwStatus(rt, status, result.str());
      return fromJson(rt, result.str(), state->jsonParse.get());
    });
  }
  native.setProperty(rt, "syncMethods", syncMethods);
  static const char *const kAsyncMethods[] = {"flush", "clearAllData", "exportSpans", "exportLogs"};
  jsi::Array asyncMethods(rt, std::size(kAsyncMethods));
  index = 0;
  for (const char *name : kAsyncMethods) asyncMethods.setValueAtIndex(rt, index++, jsi::String::createFromAscii(rt, name));
  native.setProperty(rt, "asyncMethods", asyncMethods);

  define(rt, native, "callAsync", 2, [state](jsi::Runtime &rt, const jsi::Value *args, size_t count) {
    std::string method = stringArg(rt, args, count, 0);
    std::string json = stringArg(rt, args, count, 1);
    auto executor = jsi::Function::createFromHostFunction(
        rt, jsi::PropNameID::forAscii(rt, "executor"), 2,
        [state, method, json](jsi::Runtime &rt, const jsi::Value &, const jsi::Value *a, size_t) {
          auto resolve = holdFunction(rt, a[0], *state);
          auto reject = holdFunction(rt, a[1], *state);
          auto *call = new AsyncCall{state->invoker, resolve, reject};
          gPendingAsync++;
          int32_t status = ots_call_async(state->handle, reinterpret_cast<const uint8_t *>(method.data()),
                                          method.size(), reinterpret_cast<const uint8_t *>(json.data()),
                                          json.size(), &onAsyncDone, call);
          if (status != OTS_OK) {
            // The library could not start the work and will not call back.
            gPendingAsync--;
            delete call;
            throwStatus(rt, OTS_ERROR, "Sessions." + method + ": could not start; try again");
          }
          return jsi::Value::undefined();
        });
    return rt.global().getPropertyAsFunction(rt, "Promise").callAsConstructor(rt, executor);
  });

  define(rt, native, "subscribe", 1, [state](jsi::Runtime &rt, const jsi::Value *args, size_t) {
    auto fn = holdFunction(rt, args[0], *state);  // the JS glue checked it is a function
    auto subscribed = std::make_shared<bool>(true);
    auto *l = new Listener{state->invoker, fn, subscribed};
    uint64_t id = 0;
    if (ots_subscribe(state->handle, &onSessionChange, l, &onListenerRelease, &id) != OTS_OK) {
      delete l;
      throwStatus(rt, OTS_ERROR, "Sessions.subscribe: called before init");
    }
    state->subscribed[id] = subscribed;
    return jsi::Value(static_cast<double>(id));
  });

  define(rt, native, "unsubscribe", 1, [state](jsi::Runtime &, const jsi::Value *args, size_t) {
    auto id = static_cast<uint64_t>(args[0].getNumber());  // the JS glue checked it is a number
    auto it = state->subscribed.find(id);
    if (it != state->subscribed.end()) {
      *it->second = false;
      state->subscribed.erase(it);
    }
    ots_unsubscribe(state->handle, id);
    return jsi::Value::undefined();
  });

  jsi::Object api = rt.evaluateJavaScript(std::make_shared<jsi::StringBuffer>(kGlue), "otel-sessions-glue.js")
                        .asObject(rt)
                        .asFunction(rt)
                        .call(rt, native)
                        .asObject(rt);
  api.setProperty(rt, "__lifetime", jsi::Object::createFromHostObject(rt, std::make_shared<Lifetime>(state)));
  rt.global().setProperty(rt, "__otelSessions", api);
  std::lock_guard<std::mutex> g(gStatesMutex);
  gStates[&rt] = state;
}

} // namespace otelsessions
