#import "OtelSessions.h"

#import <React/RCTBridgeModule.h>
#import <React/RCTLog.h>
#import <ReactCommon/CallInvoker.h>
#import <ReactCommon/RCTTurboModule.h>
#import <jsi/jsi.h>

#include <exception>
#include <memory>
#include <string>

#import "OTSAppLifecycle.h"
#import "OTSHttpTransport.h"
#import "OTSPlatformInfo.h"
#include "OtelSessionsJsi.h"

using facebook::jsi::Runtime;
using facebook::react::CallInvoker;

@implementation OtelSessions {
  // The runtime the binding is installed in; nil before install and after invalidate.
  Runtime *_runtime;
  // The JS CallInvoker from getTurboModule:, for React Native 0.76, whose installer passes none.
  std::shared_ptr<CallInvoker> _jsInvoker;
  NSString *_installError;
}

RCT_EXPORT_MODULE(OtelSessions)

// React Native creates the module on the main thread (RCTTurboModuleManager runs -init there
// for a module that requires main-queue setup) while JavaScript waits for it, so everything in
// -init happens before JavaScript can call Sessions.init, and UIKit is read where it must be.
+ (BOOL)requiresMainQueueSetup
{
  return YES;
}

// Every method, install() and invalidate included, runs on the JS thread: invalidate can then
// release the binding's JS functions while the runtime is alive and idle.
- (dispatch_queue_t)methodQueue
{
  return RCTJSThread;
}

// Before Sessions.init can run: the platform facts, the app's state now (a launch into the
// background starts its session in the background) and the HTTP transport for uploads.
- (instancetype)init
{
  if (self = [super init]) {
    NSString *error = [OTSPlatformInfo send];
    if (error != nil) {
      RCTLogWarn(@"react-native-otel-sessions: platform info refused: %@", error);
    }
    [OTSAppLifecycle observe];
    error = [OTSHttpTransport install];
    if (error != nil) {
      RCTLogWarn(@"react-native-otel-sessions: no HTTP transport, uploads wait: %@", error);
    }
  }
  return self;
}

- (std::shared_ptr<facebook::react::TurboModule>)getTurboModule:
    (const facebook::react::ObjCTurboModule::InitParams &)params
{
  _jsInvoker = params.jsInvoker;
  return std::make_shared<facebook::react::NativeOtelSessionsSpecJSI>(params);
}

// React Native 0.77 and later call this one (RCTTurboModuleWithJSIBindings).
- (void)installJSIBindingsWithRuntime:(Runtime &)runtime
                          callInvoker:(const std::shared_ptr<CallInvoker> &)callInvoker
{
  [self installInRuntime:runtime jsInvoker:callInvoker ? callInvoker : _jsInvoker];
}

// React Native 0.76 calls this one; later versions deprecated it and 0.87 dropped it.
- (void)installJSIBindingsWithRuntime:(Runtime &)runtime
{
  [self installInRuntime:runtime jsInvoker:_jsInvoker];
}

// Installs once per runtime; keeps the failure for install() to report.
- (void)installInRuntime:(Runtime &)runtime jsInvoker:(const std::shared_ptr<CallInvoker> &)jsInvoker
{
  if (_runtime == &runtime) {
    return;
  }
  if (!jsInvoker) {
    _installError = @"React Native gave no JS CallInvoker to install the binding with";
    return;
  }
  try {
    otelsessions::install(runtime, jsInvoker);
    _runtime = &runtime;
    _installError = nil;
  } catch (const std::exception &e) {
    // @() decodes UTF-8 (a %s format would not); nil for bytes that are not UTF-8.
    NSString *what = @(e.what()) ?: @"(a message that is not UTF-8)";
    _installError = [@"installing the JSI binding failed: " stringByAppendingString:what];
  }
}

- (NSNumber *)install
{
  if (_runtime != nullptr) {
    return @YES;
  }
  if (_installError != nil) {
    // React Native turns an exception in a synchronous method into a JavaScript Error.
    @throw [NSException exceptionWithName:@"OtelSessionsInstallError"
                                   reason:[@"react-native-otel-sessions: " stringByAppendingString:_installError]
                                 userInfo:nil];
  }
  return @NO;
}

// The React instance is going away (reload, teardown): release the binding on its runtime.
- (void)invalidate
{
  if (_runtime != nullptr) {
    otelsessions::invalidate(*_runtime);
    _runtime = nullptr;
  }
  _jsInvoker.reset();
}

@end
