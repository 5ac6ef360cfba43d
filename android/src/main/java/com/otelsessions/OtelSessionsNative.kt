package com.otelsessions

import com.facebook.react.common.annotations.FrameworkAPI
import com.facebook.react.turbomodule.core.CallInvokerHolderImpl
import com.facebook.react.turbomodule.core.interfaces.BindingsInstallerHolder

/**
 * [NativeLibrary] as `libotelsessions.so` implements it (android/CMakeLists.txt): the JSI
 * binding's C++, the Rust library, and the JNI adapter (src/main/cpp/OtelSessionsJni.cpp), which
 * registers these methods by name when the library loads. Contracts: see [NativeLibrary].
 */
internal class OtelSessionsNative private constructor() : NativeLibrary {
  external override fun createBinding(): Long

  @OptIn(FrameworkAPI::class)
  external override fun bindingsInstaller(
      handle: Long,
      jsInvokerHolder: CallInvokerHolderImpl?,
  ): BindingsInstallerHolder

  external override fun isInstalled(handle: Long): Boolean

  external override fun installError(handle: Long): String?

  external override fun disposeBinding(handle: Long)

  external override fun appForeground()

  external override fun appBackground()

  external override fun setPlatformInfo(json: String): String?

  external override fun setTransport(transport: OkHttpTransport): Int

  external override fun transportComplete(id: Long, status: Int, retryAfter: String?, body: ByteArray): Int

  companion object {
    /** The process's library, loaded (`System.loadLibrary`) on first use. */
    val instance: NativeLibrary by lazy {
      System.loadLibrary("otelsessions")
      OtelSessionsNative()
    }
  }
}
