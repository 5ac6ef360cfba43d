#import "OTSAppLifecycle.h"

#import <React/RCTUtils.h>
#import <UIKit/UIKit.h>

#include "otel_sessions.h"

@implementation OTSAppLifecycle

+ (void)observe
{
  // Inline on the main thread when called there; the once-token lives on the main thread, so
  // two threads calling this cannot wait on each other.
  RCTUnsafeExecuteOnMainQueueSync(^{
    static dispatch_once_t once;
    dispatch_once(&once, ^{
      // Nil in an app extension, where UIApplication.sharedApplication is unavailable.
      UIApplication *application = RCTSharedApplication();
      if (application == nil) {
        return;
      }
      // Observers first: they are registered before the state is read, and the notifications
      // are posted on this (the main) thread, so no change can fall between the two.
      NSNotificationCenter *center = NSNotificationCenter.defaultCenter;
      [center addObserverForName:UIApplicationWillEnterForegroundNotification
                          object:nil
                           queue:nil
                      usingBlock:^(NSNotification *note) {
                        ots_app_foreground();
                      }];
      [center addObserverForName:UIApplicationDidEnterBackgroundNotification
                          object:nil
                           queue:nil
                      usingBlock:^(NSNotification *note) {
                        ots_app_background();
                      }];
      // Launching into the foreground, the app is still "inactive" here: that is the foreground.
      if (application.applicationState == UIApplicationStateBackground) {
        ots_app_background();
      } else {
        ots_app_foreground();
      }
    });
  });
}

@end
