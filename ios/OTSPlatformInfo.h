// What the engine needs from iOS before `Sessions.init`: its default storage directory and the
// device/OS facts for the OpenTelemetry resource (semantic-convention names).
#import <Foundation/Foundation.h>

NS_ASSUME_NONNULL_BEGIN

@interface OTSPlatformInfo : NSObject

/// `Library/Application Support/otel-sessions`, created if missing and excluded from backup.
/// Nil (with the reason in `error`) when it cannot be created.
+ (nullable NSURL *)storageDirectory:(NSError **)error;

/// `{"storageDir": ..., "resource": {...}}` as `ots_set_platform_info` accepts it. `UIDevice`
/// is read on the main thread: inline when called there (the module's setup), else
/// synchronously on the main queue.
+ (NSString *)json;

/// Hands `json` to the engine (`ots_set_platform_info`). Returns nil, or the error message.
+ (nullable NSString *)send;

@end

NS_ASSUME_NONNULL_END
