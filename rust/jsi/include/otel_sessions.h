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
 * running instance. */
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

/* Native lifecycle (any thread; before init the state is remembered for init). */
void ots_app_foreground(void);
void ots_app_background(void);

/* Before init: {"storageDir": "...", "resource": {"os.version": "...", ...}}. */
int32_t ots_set_platform_info(const uint8_t *json, size_t len, OtsBuf *err);

#ifdef __cplusplus
}
#endif

#endif /* OTEL_SESSIONS_H */
