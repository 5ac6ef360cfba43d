#import "OTSPlatformInfo.h"

#import <React/RCTUtils.h>
#import <UIKit/UIKit.h>

#include <sys/sysctl.h>
#include <string>

#include "otel_sessions.h"

static NSString *const kStorageDirName = @"otel-sessions";

// A sysctl string ("hw.machine", "hw.model"), or "" when it cannot be read.
static NSString *SysctlString(const char *name)
{
  size_t size = 0;
  if (sysctlbyname(name, nullptr, &size, nullptr, 0) != 0 || size == 0) {
    return @"";
  }
  std::string value(size, '\0');
  if (sysctlbyname(name, value.data(), &size, nullptr, 0) != 0) {
    return @"";
  }
  return [NSString stringWithUTF8String:value.c_str()] ?: @"";
}

// "iPhone15,2". On the simulator, the simulated model rather than the Mac's architecture; in an
// iOS app on a Mac with Apple silicon, hw.model ("Mac14,2"): hw.machine there is "arm64".
static NSString *ModelIdentifier(void)
{
  NSProcessInfo *process = NSProcessInfo.processInfo;
  NSString *simulated = process.environment[@"SIMULATOR_MODEL_IDENTIFIER"];
  if (simulated.length > 0) {
    return simulated;
  }
  return SysctlString(process.isiOSAppOnMac ? "hw.model" : "hw.machine");
}

@implementation OTSPlatformInfo

+ (nullable NSURL *)storageDirectory:(NSError **)error
{
  NSFileManager *files = NSFileManager.defaultManager;
  NSURL *support = [files URLForDirectory:NSApplicationSupportDirectory
                                 inDomain:NSUserDomainMask
                        appropriateForURL:nil
                                   create:YES
                                    error:error];
  if (support == nil) {
    return nil;
  }
  NSURL *dir = [support URLByAppendingPathComponent:kStorageDirName isDirectory:YES];
  if (![files createDirectoryAtURL:dir withIntermediateDirectories:YES attributes:nil error:error]) {
    return nil;
  }
  // Session state and the outbox are per device: never restore them onto another one.
  [dir setResourceValue:@YES forKey:NSURLIsExcludedFromBackupKey error:nil];
  return dir;
}

+ (NSString *)json
{
  // UIKit is main-thread only, UIDevice included.
  __block NSString *systemName = nil;
  __block NSString *systemVersion = nil;
  RCTUnsafeExecuteOnMainQueueSync(^{
    UIDevice *device = UIDevice.currentDevice;
    systemName = device.systemName;
    systemVersion = device.systemVersion;
  });
  NSMutableDictionary *info = [NSMutableDictionary dictionary];
  NSURL *dir = [self storageDirectory:nil];
  if (dir != nil) {
    info[@"storageDir"] = dir.path;
  }
  info[@"resource"] = @{
    @"os.type" : @"darwin",
    @"os.name" : systemName ?: @"iOS",
    @"os.version" : systemVersion ?: @"",
    @"device.manufacturer" : @"Apple",
    @"device.model.identifier" : ModelIdentifier(),
  };
  NSData *data = [NSJSONSerialization dataWithJSONObject:info options:0 error:nil];
  return [[NSString alloc] initWithData:data encoding:NSUTF8StringEncoding] ?: @"{}";
}

+ (nullable NSString *)send
{
  NSData *json = [[self json] dataUsingEncoding:NSUTF8StringEncoding];
  OtsBuf err = {nullptr, 0};
  int32_t status = ots_set_platform_info(static_cast<const uint8_t *>(json.bytes), json.length, &err);
  if (status == OTS_OK) {
    return nil;
  }
  NSString *message = [[NSString alloc] initWithBytes:err.ptr length:err.len encoding:NSUTF8StringEncoding];
  ots_buf_free(err);
  return message ?: @"ots_set_platform_info failed";
}

@end
