#import "OTSHttpTransport.h"

#include <cstdlib>

#include "otel_sessions.h"

// The library reads at most the first 4 MiB of a response body (OTLP's response limit).
static const NSUInteger kMaxResponseBody = 4 * 1024 * 1024;

// What the delegate collects for one request until its task completes. Touched only on the
// session's delegate queue.
@interface OTSTransfer : NSObject
@property (nonatomic) NSInteger status; // 0 until an HTTP response arrives
@property (nonatomic, copy, nullable) NSString *retryAfter;
@property (nonatomic, strong) NSMutableData *body;
@property (nonatomic) BOOL done; // the outcome is known; a later cancellation error is ours
@end

@implementation OTSTransfer
@end

@interface OTSHttpTransport () <NSURLSessionDataDelegate>
- (void)send:(const OtsHttpRequest *)request;
- (void)invalidate;
@end

@implementation OTSHttpTransport {
  // Serial: delegate calls arrive one at a time, in order, never on the main thread.
  NSOperationQueue *_queue;
  // One session per timeout (the library's is fixed by its config); guarded by @synchronized.
  NSURLSession *_session;
  uint32_t _sessionTimeoutMs;
  BOOL _invalidated;
  // Per task (by identity: identifiers repeat across sessions); only on _queue.
  NSMapTable<NSURLSessionTask *, OTSTransfer *> *_transfers;
}

static void Complete(uint64_t requestId, NSInteger status, NSString *_Nullable retryAfter, NSData *_Nullable body)
{
  NSData *retry = [retryAfter dataUsingEncoding:NSUTF8StringEncoding];
  // OTS_ERROR means the library gave up on this id (timed out): nothing to do.
  ots_transport_complete(requestId, static_cast<int32_t>(status), static_cast<const uint8_t *>(retry.bytes),
                         retry.length, static_cast<const uint8_t *>(body.bytes), body.length);
}

// No response: status 0, with the reason as the body.
static void Fail(uint64_t requestId, NSString *reason)
{
  Complete(requestId, 0, nil, [reason dataUsingEncoding:NSUTF8StringEncoding]);
}

static NSString *_Nullable Utf8(const uint8_t *bytes, size_t length)
{
  if (length == 0) {
    return @"";
  }
  return [[NSString alloc] initWithBytes:bytes length:length encoding:NSUTF8StringEncoding];
}

// The library's request id travels in the task's description.
static uint64_t RequestId(NSURLSessionTask *task)
{
  return std::strtoull(task.taskDescription.UTF8String ?: "0", nullptr, 10);
}

// OtsSendFn: called on the library's uploader thread, a thread the Objective-C runtime did not start.
static void Send(void *ctx, const OtsHttpRequest *request)
{
  @autoreleasepool {
    [(__bridge OTSHttpTransport *)ctx send:request];
  }
}

// OtsReleaseFn: the library no longer uses the transport.
static void Release(void *ctx)
{
  @autoreleasepool {
    OTSHttpTransport *transport = (__bridge_transfer OTSHttpTransport *)ctx;
    [transport invalidate];
  }
}

+ (nullable NSString *)install
{
  static dispatch_once_t once;
  static int32_t status = OTS_OK;
  dispatch_once(&once, ^{
    OTSHttpTransport *transport = [OTSHttpTransport new];
    status = ots_set_transport(Send, (__bridge_retained void *)transport, Release);
  });
  return status == OTS_OK ? nil : [NSString stringWithFormat:@"ots_set_transport returned status %d", status];
}

- (instancetype)init
{
  if (self = [super init]) {
    _queue = [NSOperationQueue new];
    _queue.maxConcurrentOperationCount = 1;
    _queue.name = @"react-native-otel-sessions.transport";
    _transfers = [NSMapTable strongToStrongObjectsMapTable];
  }
  return self;
}

- (void)invalidate
{
  @synchronized(self) {
    // Lets a request in flight complete; the session then releases its delegate (self).
    [_session finishTasksAndInvalidate];
    _session = nil;
    _invalidated = YES;
  }
}

// The default configuration (ATS, the device's trust store, the system proxy) with the
// library's timeout for the whole call, and nothing kept between calls: no cookies, no cache.
// Nil once the library has released the transport.
- (nullable NSURLSession *)sessionForTimeoutMs:(uint32_t)timeoutMs
{
  @synchronized(self) {
    if (_invalidated) {
      return nil;
    }
    if (_session == nil || _sessionTimeoutMs != timeoutMs) {
      [_session finishTasksAndInvalidate];
      NSURLSessionConfiguration *config = NSURLSessionConfiguration.defaultSessionConfiguration;
      config.timeoutIntervalForRequest = timeoutMs / 1000.0;
      config.timeoutIntervalForResource = timeoutMs / 1000.0;
      config.requestCachePolicy = NSURLRequestReloadIgnoringLocalCacheData;
      config.URLCache = nil;
      config.HTTPCookieStorage = nil;
      config.HTTPShouldSetCookies = NO;
      _session = [NSURLSession sessionWithConfiguration:config delegate:self delegateQueue:_queue];
      _sessionTimeoutMs = timeoutMs;
    }
    return _session;
  }
}

// Copies the request (its buffers live only during this call) and starts the POST; returns at once.
- (void)send:(const OtsHttpRequest *)request
{
  NSString *address = Utf8(request->url, request->url_len);
  NSURL *url = address.length > 0 ? [NSURL URLWithString:address] : nil;
  NSString *scheme = url.scheme.lowercaseString;
  if (url == nil || !([scheme isEqualToString:@"https"] || [scheme isEqualToString:@"http"])) {
    // A synchronous failure, allowed from inside send for the same id.
    Fail(request->id, [NSString stringWithFormat:@"react-native-otel-sessions: not an http(s) URL: %@", address ?: @"(not UTF-8)"]);
    return;
  }
  uint32_t timeoutMs = request->timeout_ms > 0 ? request->timeout_ms : 1;
  NSMutableURLRequest *post = [NSMutableURLRequest requestWithURL:url
                                                      cachePolicy:NSURLRequestReloadIgnoringLocalCacheData
                                                  timeoutInterval:timeoutMs / 1000.0];
  post.HTTPMethod = @"POST";
  for (size_t i = 0; i < request->header_count; i++) {
    const OtsHttpHeader &header = request->headers[i];
    NSString *name = Utf8(header.name, header.name_len);
    NSString *value = Utf8(header.value, header.value_len);
    if (name.length > 0 && value != nil) {
      [post addValue:value forHTTPHeaderField:name];
    }
  }
  post.HTTPBody = [NSData dataWithBytes:request->body length:request->body_len];
  NSURLSession *session = [self sessionForTimeoutMs:timeoutMs];
  if (session == nil) {
    Fail(request->id, @"react-native-otel-sessions: the transport was released");
    return;
  }
  NSURLSessionDataTask *task = [session dataTaskWithRequest:post];
  task.taskDescription = [NSString stringWithFormat:@"%llu", static_cast<unsigned long long>(request->id)];
  [task resume];
}

- (OTSTransfer *)transferFor:(NSURLSessionTask *)task
{
  OTSTransfer *transfer = [_transfers objectForKey:task];
  if (transfer == nil) {
    transfer = [OTSTransfer new];
    transfer.body = [NSMutableData data];
    [_transfers setObject:transfer forKey:task];
  }
  return transfer;
}

#pragma mark - NSURLSessionDataDelegate (on _queue)

- (void)URLSession:(NSURLSession *)session
              dataTask:(NSURLSessionDataTask *)dataTask
    didReceiveResponse:(NSURLResponse *)response
     completionHandler:(void (^)(NSURLSessionResponseDisposition disposition))completionHandler
{
  OTSTransfer *transfer = [self transferFor:dataTask];
  if ([response isKindOfClass:NSHTTPURLResponse.class]) {
    NSHTTPURLResponse *http = (NSHTTPURLResponse *)response;
    transfer.status = http.statusCode;
    transfer.retryAfter = [http valueForHTTPHeaderField:@"Retry-After"];
  }
  // The library reads only 2xx bodies (partial success): other responses are complete here.
  if (transfer.status >= 200 && transfer.status < 300) {
    completionHandler(NSURLSessionResponseAllow);
  } else {
    transfer.done = transfer.status != 0;
    completionHandler(NSURLSessionResponseCancel);
  }
}

- (void)URLSession:(NSURLSession *)session dataTask:(NSURLSessionDataTask *)dataTask didReceiveData:(NSData *)data
{
  OTSTransfer *transfer = [self transferFor:dataTask];
  if (transfer.done) {
    return;
  }
  NSUInteger room = kMaxResponseBody - transfer.body.length;
  if (data.length < room) {
    [transfer.body appendData:data];
    return;
  }
  // The first 4 MiB is all the library reads: stop the download there.
  [transfer.body appendData:[data subdataWithRange:NSMakeRange(0, room)]];
  transfer.done = YES;
  [dataTask cancel];
}

- (void)URLSession:(NSURLSession *)session task:(NSURLSessionTask *)task didCompleteWithError:(nullable NSError *)error
{
  OTSTransfer *transfer = [_transfers objectForKey:task];
  [_transfers removeObjectForKey:task];
  uint64_t requestId = RequestId(task);
  if (transfer != nil && transfer.status != 0 && (error == nil || transfer.done)) {
    BOOL success = transfer.status >= 200 && transfer.status < 300;
    Complete(requestId, transfer.status, transfer.retryAfter, success ? transfer.body : nil);
  } else {
    // Refused, reset, DNS, TLS (ATS, trust), timeout, or cut off mid-body: no usable response.
    Fail(requestId, error.localizedDescription ?: @"react-native-otel-sessions: no HTTP response");
  }
}

@end
