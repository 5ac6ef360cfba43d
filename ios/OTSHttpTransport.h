// The iOS side of the library's platform HTTP transport (the C ABI's ots_set_transport /
// ots_transport_complete): every upload the library decides on is one POST through an
// NSURLSession this library owns, with the default configuration, so App Transport Security,
// the device's trust store (profiles installed by the user or MDM included) and the system proxy
// apply. It only moves bytes: retries, backoff, Retry-After, caps and consent stay in Rust.
#import <Foundation/Foundation.h>

NS_ASSUME_NONNULL_BEGIN

@interface OTSHttpTransport : NSObject

/// Registers the transport with the library (`ots_set_transport`), once per process; later
/// calls return the first outcome. Any thread. The module calls it while it is created, before
/// JavaScript can call `Sessions.init`, so no upload waits for a transport. Returns nil, or the
/// error message.
+ (nullable NSString *)install;

@end

NS_ASSUME_NONNULL_END
