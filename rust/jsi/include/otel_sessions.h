/*
 * The C ABI of react-native-otel-sessions (implemented in Rust: rust/jsi/src/ffi.rs).
 *
 * Called by the thin C++ JSI host object (rust/jsi/cpp) and by the Android/iOS lifecycle
 * glue. Everything crossing is plain data: an opaque handle, UTF-8 JSON buffers, numbers,
 * and callbacks with a context pointer. Buffers the library returns are freed with
 * ots_buf_free. No call unwinds; errors are status codes with a message naming the
 * JavaScript method, the argument and the fix.
 */
#ifndef OTEL_SESSIONS_H
#define OTEL_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: which JavaScript error to throw with the returned message. */
#define OTS_OK 0
#define OTS_TYPE_ERROR 1
#define OTS_RANGE_ERROR 2
#define OTS_ERROR 3
#define OTS_INTERNAL 4

typedef struct OtsHandle OtsHandle;

/* A library-owned byte buffer; free it with ots_buf_free. */
typedef struct OtsBuf {
  uint8_t *ptr;
  size_t len;
} OtsBuf;

/* Session-change listener: payload is {"session": {...}, "previous": {...} | null}. Any thread. */
typedef void (*OtsListenerFn)(void *ctx, const uint8_t *data, size_t len);
/* Called once when a listener's context is no longer used. Any thread. */
typedef void (*OtsReleaseFn)(void *ctx);
/* Settles an async call: status as above; data = result JSON, or the error message. Any thread. */
typedef void (*OtsDoneFn)(void *ctx, int32_t status, const uint8_t *data, size_t len);

/* Sessions.init(config): config is the JSON of the config object. *out receives a handle; on an
 * error *err receives the message. A second init while running returns a new handle to the
 * running instance. Returns once the config is checked and the storage directory locked; the
 * rest of the start runs on its own thread and the first call that needs it waits for it (a
 * start that fails there fails the later calls, and the next init starts afresh). */
int32_t ots_init(const uint8_t *config, size_t len, OtsHandle **out, OtsBuf *err);

/* A synchronous method by name; args is a JSON array. *result: JSON result or error message. */
int32_t ots_call(const OtsHandle *h, const uint8_t *method, size_t method_len, const uint8_t *args,
                 size_t args_len, OtsBuf *result);

/* An asynchronous method ("flush", "clearAllData"); done is called exactly once. */
int32_t ots_call_async(const OtsHandle *h, const uint8_t *method, size_t method_len, const uint8_t *args,
                       size_t args_len, OtsDoneFn done, void *ctx);

/* Session-change subscription. The listener must not call this library synchronously. */
int32_t ots_subscribe(const OtsHandle *h, OtsListenerFn listener, void *ctx, OtsReleaseFn release,
                      uint64_t *out_id);
int32_t ots_unsubscribe(const OtsHandle *h, uint64_t id);

/* The JS runtime is going away: listeners are released; the library shuts down with the last handle. */
void ots_release(OtsHandle *h);

void ots_buf_free(OtsBuf buf);

/* Native lifecycle (any thread; before init the state is remembered for init; during the start
 * that follows init, the call waits for it and then applies). */
void ots_app_foreground(void);
void ots_app_background(void);

/* Before init: {"storageDir": "...", "resource": {"os.version": "...", ...}}. */
int32_t ots_set_platform_info(const uint8_t *json, size_t len, OtsBuf *err);

/* ---- Platform HTTP transport ------------------------------------------------------------------
 * Uploads go through the platform's own HTTP stack (OkHttp from React Native's
 * OkHttpClientProvider on Android, an NSURLSession on iOS), so the app's TLS trust, pinning,
 * interceptors and proxies apply and the library ships no TLS. The library decides everything
 * else: which request goes next, retries and backoff, Retry-After, caps, consent, and counting
 * rejections and partial successes. The platform only moves bytes.
 *
 * Contract:
 * - At most one request is in flight. The library calls `send` on its uploader thread; the
 *   pointers in the request are valid only during that call, so the platform copies what it
 *   needs, returns at once, and performs the POST on a thread of its own (never blocking `send`
 *   on the network, never on the app's main thread).
 * - The platform calls ots_transport_complete exactly once per request id, from any thread.
 * - The platform applies timeout_ms to the whole call. The library never waits forever: without
 *   a completion within timeout_ms plus a grace period, it counts the attempt as a connection
 *   failure and ignores a later completion of that id.
 * - ots_transport_complete must not be called from inside `send` for a different id; calling it
 *   from inside `send` for the same id (a synchronous failure) is allowed. */

typedef struct OtsHttpHeader {
  const uint8_t *name;  /* ASCII token, e.g. "Content-Encoding" */
  size_t name_len;
  const uint8_t *value; /* UTF-8, no CR/LF */
  size_t value_len;
} OtsHttpHeader;

typedef struct OtsHttpRequest {
  uint64_t id;                  /* pass back to ots_transport_complete */
  const uint8_t *url;           /* absolute http:// or https:// URL, UTF-8 */
  size_t url_len;
  const OtsHttpHeader *headers; /* Content-Type, Content-Encoding (gzip) and the configured headers */
  size_t header_count;
  const uint8_t *body;          /* the request body, already encoded (and gzip'd when the header says so) */
  size_t body_len;
  uint32_t timeout_ms;          /* for the whole call: connect, write, read */
} OtsHttpRequest;

/* Performs one POST asynchronously (see the contract above). Called on the library's thread. */
typedef void (*OtsSendFn)(void *ctx, const OtsHttpRequest *request);

/* Registers the platform transport, process-wide, before or after init. A later call replaces
 * it (the old ctx is released once no call uses it); send == NULL unregisters. Until one is
 * registered, uploads wait (records stay queued on disk) and flush() reports why. */
int32_t ots_set_transport(OtsSendFn send, void *ctx, OtsReleaseFn release);

/* Reports the outcome of request `id`. status: the HTTP status code (100..599), or 0 when no
 * response arrived (connection refused or reset, DNS, TLS, timeout, cancelled); with 0, body
 * may hold the platform's error text. retry_after: the raw Retry-After header value (NULL or
 * len 0 when absent). body: the response body; only 2xx bodies are read (partial success), and
 * only their first 4 MiB, so the platform may pass an empty body otherwise. Buffers are copied
 * before the call returns. Returns OTS_OK; OTS_ERROR for an id that is unknown, timed out or
 * already completed (nothing happens then); OTS_RANGE_ERROR for a status outside 0 and
 * 100..599 (the request then counts as a connection failure). Any thread. */
int32_t ots_transport_complete(uint64_t id, int32_t status, const uint8_t *retry_after, size_t retry_after_len,
                               const uint8_t *body, size_t body_len);

#ifdef __cplusplus
}
#endif

#endif /* OTEL_SESSIONS_H */
