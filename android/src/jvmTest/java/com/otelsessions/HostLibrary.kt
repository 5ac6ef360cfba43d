package com.otelsessions

/**
 * The test-only natives of the HOST build of libotelsessions.so (android/src/jvmTest/cpp/
 * HostTestJni.cpp): the C ABI calls JavaScript would make, so a JVM test can drive the engine.
 * Each returns "STATUS:payload" (status 0 = OK).
 */
internal object HostLibrary {
  /** `ots_init(config)`. */
  @JvmStatic external fun initSessions(config: String): String

  /** `ots_call(method, args)`: a synchronous method with its JSON array of arguments. */
  @JvmStatic external fun call(method: String, args: String): String

  /** `Sessions.flush()`, waited for at most [timeoutMs]; "timeout" when it did not settle. */
  @JvmStatic external fun flush(timeoutMs: Long): String

  /** `ots_release`: the library shuts down with its last handle. */
  @JvmStatic external fun release()
}
