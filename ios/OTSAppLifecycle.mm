#import "OTSAppLifecycle.h"

#import <UIKit/UIKit.h>

#include "otel_sessions.h"

@implementation OTSAppLifecycle

+ (void)observe
{
  static dispatch_once_t once;
  dispatch_once(&once, ^{
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
    // applicationState is main-thread only; the state the app is in now, in case no
    // notification comes (launched into the background, e.g. by a background fetch).
    dispatch_async(dispatch_get_main_queue(), ^{
      if (UIApplication.sharedApplication.applicationState == UIApplicationStateBackground) {
        ots_app_background();
      } else {
        ots_app_foreground();
      }
    });
  });
}

@end
