// Process-wide foreground/background for the engine, from UIApplication notifications.
#import <Foundation/Foundation.h>

NS_ASSUME_NONNULL_BEGIN

@interface OTSAppLifecycle : NSObject

/// Starts observing, once per process (later calls do nothing), and reports the app's current
/// state to the engine before it returns: `ots_app_background()` when the app was launched into
/// the background (a silent push, a background fetch), `ots_app_foreground()` otherwise. So the
/// engine knows a background launch before JavaScript can call `Sessions.init`. Then
/// `ots_app_foreground()` on UIApplicationWillEnterForeground and `ots_app_background()` on
/// UIApplicationDidEnterBackground.
///
/// Runs on the main thread, where `applicationState` must be read: inline when called there
/// (the module's setup, `requiresMainQueueSetup`), else synchronously on the main queue. In an
/// app extension, where there is no UIApplication, it does nothing and the engine keeps its
/// default, foreground.
+ (void)observe;

@end

NS_ASSUME_NONNULL_END
