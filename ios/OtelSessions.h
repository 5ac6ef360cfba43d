// The `OtelSessions` TurboModule (spec: src-ts/NativeOtelSessions.ts). Its only job is the JSI
// binding: React Native installs `global.__otelSessions` through RCTTurboModuleWithJSIBindings
// when JavaScript first requires the module; `install()` reports the outcome.
#import <Foundation/Foundation.h>

#import <OtelSessionsSpec/OtelSessionsSpec.h>
#import <ReactCommon/RCTTurboModuleWithJSIBindings.h>

NS_ASSUME_NONNULL_BEGIN

@interface OtelSessions : NSObject <NativeOtelSessionsSpec, RCTTurboModuleWithJSIBindings>
@end

NS_ASSUME_NONNULL_END
