// Process-wide foreground/background for the engine, from UIApplication notifications.
#import <Foundation/Foundation.h>

NS_ASSUME_NONNULL_BEGIN

@interface OTSAppLifecycle : NSObject

/// Starts observing, once per process (later calls do nothing). Any thread. Reports the current
/// state at once, then `ots_app_foreground()` on UIApplicationWillEnterForeground and
/// `ots_app_background()` on UIApplicationDidEnterBackground.
+ (void)observe;

@end

NS_ASSUME_NONNULL_END
