#include "RuntimeBinding.h"

#include <exception>
#include <utility>

#include <ReactCommon/CallInvoker.h>

#include "OtelSessionsJsi.h"

namespace otelsessions::platform {

bool RuntimeBinding::install(facebook::jsi::Runtime &runtime, std::shared_ptr<facebook::react::CallInvoker> jsInvoker) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (runtime_ == &runtime) {
    return true;
  }
  if (!jsInvoker) {
    error_ = "react-native-otel-sessions: React Native gave no JS CallInvoker to install the binding with";
    return false;
  }
  try {
    otelsessions::install(runtime, std::move(jsInvoker));
  } catch (const std::exception &e) {
    error_ = std::string("react-native-otel-sessions: installing the JSI binding failed: ") + e.what();
    return false;
  }
  runtime_ = &runtime;
  error_.clear();
  return true;
}

bool RuntimeBinding::installed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return runtime_ != nullptr;
}

std::string RuntimeBinding::installError() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

void RuntimeBinding::invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (runtime_ != nullptr) {
    otelsessions::invalidate(*runtime_);
    runtime_ = nullptr;
  }
}

} // namespace otelsessions::platform
