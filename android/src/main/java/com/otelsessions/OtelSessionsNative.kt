package com.otelsessions

import com.facebook.react.common.annotations.FrameworkAPI
import com.facebook.react.turbomodule.core.CallInvokerHolderImpl
import com.facebook.react.turbomodule.core.interfaces.BindingsInstallerHolder

/**
 * The native side of the module: `libotelsessions.so` (android/CMakeLists.txt), which holds the
 * JSI binding's C++, the Rust library, and the JNI adapter (src/main/cpp/OtelSessionsJni.cpp).
 * Every function is thread-safe unless it says otherwise.
 */
internal object OtelSessionsNative {
  init {
    System.loadLibrary("otelsessions")
  }

  /** A new binding handle for one module instance; free it with [disposeBinding]. */
  @JvmStatic external fun createBinding(): Long

  /**
   * The installer React Native runs on the JS thread when JavaScript first requires the module.
   * [jsInvokerHolder] is the React context's JS CallInvoker: React Native 0.76 passes none to
   * the installer, later versions do and theirs is preferred.
   */
  @OptIn(FrameworkAPI::class)
  @JvmStatic
  external fun bindingsInstaller(handle: Long, jsInvokerHolder: CallInvokerHolderImpl?): BindingsInstallerHolder

  /** True once the installer has put `global.__otelSessions` into the runtime. */
  @JvmStatic external fun isInstalled(handle: Long): Boolean

  /** Why installing failed, or null. */
  @JvmStatic external fun installError(handle: Long): String?

  /**
   * Tears the binding down on its runtime, then frees [handle]. Call only from the module's
   * `invalidate` (React Native runs it while no JavaScript runs on that runtime), once.
   */
  @JvmStatic external fun disposeBinding(handle: Long)

  /** `ots_app_foreground()`: the app is visible. Any thread; remembered before init. */
  @JvmStatic external fun appForeground()

  /** `ots_app_background()`: the app left the screen. Any thread; remembered before init. */
  @JvmStatic external fun appBackground()

  /** `ots_set_platform_info(json)`, before `Sessions.init`. Returns null, or the error message. */
  @JvmStatic external fun setPlatformInfo(json: String): String?
}
