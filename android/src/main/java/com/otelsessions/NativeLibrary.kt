package com.otelsessions

import com.facebook.react.common.annotations.FrameworkAPI
import com.facebook.react.turbomodule.core.CallInvokerHolderImpl
import com.facebook.react.turbomodule.core.interfaces.BindingsInstallerHolder

/**
 * Everything the Kotlin glue asks of `libotelsessions.so`: the C ABI of
 * `rust/jsi/include/otel_sessions.h` and the JSI binding's lifetime. The glue only talks to the
 * library through this interface, so JVM tests can hand the module, the lifecycle tracker and the
 * transport a recording double instead of the native library (which needs a device). In an app
 * the only implementation is [OtelSessionsNative].
 *
 * Every function may be called from any thread unless it says otherwise, and none throws.
 */
internal interface NativeLibrary {
  /** A new binding handle for one module instance (never 0); free it with [disposeBinding]. */
  fun createBinding(): Long

  /**
   * The installer React Native runs on the JS thread when JavaScript first requires the module.
   * [jsInvokerHolder] is the React context's JS CallInvoker: React Native 0.76 passes none to the
   * installer, later versions do and theirs is preferred. With [handle] 0 (a module already
   * invalidated) the installer installs nothing.
   */
  @OptIn(FrameworkAPI::class)
  fun bindingsInstaller(handle: Long, jsInvokerHolder: CallInvokerHolderImpl?): BindingsInstallerHolder

  /** True once the installer has put `global.__otelSessions` into the runtime. */
  fun isInstalled(handle: Long): Boolean

  /** Why installing failed, or null. */
  fun installError(handle: Long): String?

  /**
   * Tears the binding down on its runtime, then frees [handle]. Call only from the module's
   * `invalidate` (React Native runs it while no JavaScript runs on that runtime), once.
   */
  fun disposeBinding(handle: Long)

  /** `ots_app_foreground()`: the app is visible. Remembered before init. */
  fun appForeground()

  /** `ots_app_background()`: the app left the screen. Remembered before init. */
  fun appBackground()

  /** `ots_set_platform_info(json)`, before `Sessions.init`. Returns null, or the error message. */
  fun setPlatformInfo(json: String): String?

  /**
   * `ots_set_transport`: from now on the library hands every upload to [transport]'s `send`
   * (process-wide; a later call replaces the transport). Returns the C ABI status (0 = OK).
   */
  fun setTransport(transport: OkHttpTransport): Int

  /**
   * `ots_transport_complete(id, status, retryAfter, body)`: the outcome of request [id]. [status]
   * is the HTTP status, or 0 when no response arrived (then [body] may hold the error text).
   * Returns the C ABI status: 0, or 3 (`OTS_ERROR`) for an id the library no longer waits for.
   */
  fun transportComplete(id: Long, status: Int, retryAfter: String?, body: ByteArray): Int
}
