// See OtelSessionsJsi.h. Everything that validates arguments or words an error lives in Rust;
// this file only moves values across: JS values -> JSON text, JSON text -> JS values, status
// codes -> TypeError / RangeError / Error, and callbacks from Rust threads -> the JS thread.
//
// `global.__otelSessions` is a plain object whose methods are host functions created once at
// install (a property read is then a plain JS read), plus one small host object whose
// destruction with the runtime releases the native handle.

#include "OtelSessionsJsi.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>
#include <cmath>
#include <cstdio>
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

constexpr int kMaxDepth = 8;
constexpr size_t kMaxJsonBytes = 1 << 20;
constexpr size_t kMaxArrayLength = 10000;
constexpr size_t kMaxProperties = 1000;

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

void appendEscaped(std::string &out, const std::string &s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void marker(std::string &out, const char *key, const char *what) {
  out += "{\"";
  out += key;
  out += "\":\"";
  out += what;
  out += "\"}";
}

void writeNumber(std::string &out, double d) {
  if (std::isnan(d)) return marker(out, "$number", "NaN");
  if (std::isinf(d)) return marker(out, "$number", d > 0 ? "Infinity" : "-Infinity");
  char buf[40];
  if (std::trunc(d) == d && std::fabs(d) <= 9007199254740992.0) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", d);
  }
  out += buf;
}

// JSON for a JS value; what JSON cannot hold becomes a marker the Rust side words an error for.
void writeValue(jsi::Runtime &rt, const jsi::Value &v, std::string &out, int depth) {
  if (out.size() > kMaxJsonBytes) return marker(out, "$unsupported", "a value too large to pass (over 1 MiB)");
  if (v.isUndefined() || v.isNull()) {
    out += "null";
    return;
  }
  if (v.isBool()) {
    out += v.getBool() ? "true" : "false";
    return;
  }
  if (v.isNumber()) return writeNumber(out, v.getNumber());
  if (v.isString()) {
    std::string s = v.getString(rt).utf8(rt);
    if (s.size() > kMaxJsonBytes) return marker(out, "$unsupported", "a string over 1 MiB");
    return appendEscaped(out, s);
  }
  if (v.isSymbol()) return marker(out, "$unsupported", "a symbol");
  if (v.isBigInt()) return marker(out, "$unsupported", "a bigint");
  if (!v.isObject()) return marker(out, "$unsupported", "an unknown kind of value");
  if (depth >= kMaxDepth) return marker(out, "$unsupported", "a value nested deeper than 8 levels (or cyclic)");
  jsi::Object o = v.getObject(rt);
  if (o.isFunction(rt)) return marker(out, "$unsupported", "a function");
  if (o.isHostObject(rt)) return marker(out, "$unsupported", "a host object");
  if (o.isArray(rt)) {
    jsi::Array a = o.getArray(rt);
    size_t n = a.size(rt);
    if (n > kMaxArrayLength) return marker(out, "$unsupported", "an array of more than 10000 elements");
    out.push_back('[');
    for (size_t i = 0; i < n; i++) {
      if (i) out.push_back(',');
      writeValue(rt, a.getValueAtIndex(rt, i), out, depth + 1);
    }
    out.push_back(']');
    return;
  }
  jsi::Array names = o.getPropertyNames(rt);
  size_t n = names.size(rt);
  if (n > kMaxProperties) return marker(out, "$unsupported", "an object with more than 1000 properties");
  out.push_back('{');
  for (size_t i = 0; i < n; i++) {
    jsi::Value nameValue = names.getValueAtIndex(rt, i);
    if (!nameValue.isString()) continue;
    jsi::String name = nameValue.getString(rt);
    if (out.back() != '{') out.push_back(',');
    appendEscaped(out, name.utf8(rt));
    out.push_back(':');
    writeValue(rt, o.getProperty(rt, jsi::PropNameID::forString(rt, name)), out, depth + 1);
  }
  out.push_back('}');
}

std::string argsJson(jsi::Runtime &rt, const jsi::Value *args, size_t count) {
  std::string out = "[";
  for (size_t i = 0; i < count; i++) {
    if (i) out.push_back(',');
    writeValue(rt, args[i], out, 0);
  }
  out.push_back(']');
  return out;
}

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

const char *const kBigIntGuard = R"JS((function (api) {
  function hasBigInt(v, depth) {
    if (typeof v === 'bigint') return true;
    if (depth > 8 || v === null || typeof v !== 'object') return false;
    const keys = Object.keys(v);
    for (let i = 0; i < keys.length && i < 10000; i++) {
      if (hasBigInt(v[keys[i]], depth + 1)) return true;
    }
    return false;
  }
  Object.keys(api).forEach(function (name) {
    const f = api[name];
    if (typeof f !== 'function') return;
    api[name] = function () {
      for (let i = 0; i < arguments.length; i++) {
        if (hasBigInt(arguments[i], 0)) {
          throw new TypeError('Sessions.' + name + ': argument ' + (i + 1) + ' contains a bigint; pass a number or a string');
        }
      }
      return f.apply(this, arguments);
    };
  });
}))JS";

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
  jsi::Object api(rt);

  define(rt, api, "init", 1, [state](jsi::Runtime &rt, const jsi::Value *args, size_t count) {
    std::string config;
    if (count > 0) {
      writeValue(rt, args[0], config, 0);
    } else {
      config = "null";
    }
    OtsHandle *handle = nullptr;
    Buf err;
    int32_t status = ots_init(reinterpret_cast<const uint8_t *>(config.data()), config.size(), &handle, &err.raw);
    if (status != OTS_OK) throwStatus(rt, status, err.str());
    if (state->handle) ots_release(state->handle);
    state->handle = handle;
    return jsi::Value::undefined();
  });

  static const char *const kSyncMethods[] = {
      "current", "end", "touch", "setAttribute", "removeAttribute", "setUser", "recordEvent",
      "recordError", "setConsent", "consent", "history"};
  for (const char *name : kSyncMethods) {
    std::string method = name;
    define(rt, api, name, 2, [state, method](jsi::Runtime &rt, const jsi::Value *args, size_t count) {
      std::string json = argsJson(rt, args, count);
      Buf result;
      int32_t status = ots_call(state->handle, reinterpret_cast<const uint8_t *>(method.data()), method.size(),
                                reinterpret_cast<const uint8_t *>(json.data()), json.size(), &result.raw);
      if (status != OTS_OK) throwStatus(rt, status, result.str());
      return fromJson(rt, result.str(), state->jsonParse.get());
    });
  }

  for (const char *name : {"flush", "clearAllData"}) {
    std::string method = name;
    define(rt, api, name, 1, [state, method](jsi::Runtime &rt, const jsi::Value *args, size_t count) {
      std::string json = argsJson(rt, args, count);
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
  }

  define(rt, api, "subscribe", 1, [state](jsi::Runtime &rt, const jsi::Value *args, size_t count) {
    if (count < 1 || !args[0].isObject() || !args[0].getObject(rt).isFunction(rt)) {
      throwStatus(rt, OTS_TYPE_ERROR, "Sessions.subscribe: argument 'listener' must be a function");
    }
    auto fn = holdFunction(rt, args[0], *state);
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

  define(rt, api, "unsubscribe", 1, [state](jsi::Runtime &rt, const jsi::Value *args, size_t count) {
    if (count < 1 || !args[0].isNumber()) {
      throwStatus(rt, OTS_TYPE_ERROR, "Sessions.unsubscribe: argument 'id' must be the number subscribe returned");
    }
    auto id = static_cast<uint64_t>(args[0].getNumber());
    auto it = state->subscribed.find(id);
    if (it != state->subscribed.end()) {
      *it->second = false;
      state->subscribed.erase(it);
    }
    ots_unsubscribe(state->handle, id);
    return jsi::Value::undefined();
  });

  if (rt.description().find("JSC") != std::string::npos) {
    // React Native's JSCRuntime aborts the process when a BigInt reaches any host function
    // (JSCRuntime::createValue: kJSTypeBigInt -> abort()), also when the serialiser reads
    // one nested in an object. Under JSC, JS guards refuse BigInts before they cross.
    rt.evaluateJavaScript(std::make_shared<jsi::StringBuffer>(kBigIntGuard), "otel-sessions-guard.js")
        .asObject(rt)
        .asFunction(rt)
        .call(rt, api);
  }
  api.setProperty(rt, "__lifetime", jsi::Object::createFromHostObject(rt, std::make_shared<Lifetime>(state)));
  rt.global().setProperty(rt, "__otelSessions", api);
  std::lock_guard<std::mutex> g(gStatesMutex);
  gStates[&rt] = state;
}

} // namespace otelsessions
