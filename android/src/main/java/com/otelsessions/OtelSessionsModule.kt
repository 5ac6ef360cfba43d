package com.otelsessions

import android.util.Log
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.common.annotations.FrameworkAPI
import com.facebook.react.module.annotations.ReactModule
import com.facebook.react.turbomodule.core.CallInvokerHolderImpl
import com.facebook.react.turbomodule.core.interfaces.BindingsInstallerHolder
import com.facebook.react.turbomodule.core.interfaces.TurboModuleWithJSIBindings

/**
 * The `OtelSessions` TurboModule (spec: src-ts/NativeOtelSessions.ts). Its only job is the JSI
 * binding: React Native runs [getBindingsInstaller]'s installer on the JS thread when JavaScript
 * first requires the module, which puts `global.__otelSessions` into the runtime; [install]
 * then only reports the outcome. Creating the module also hands the engine its storage
 * directory and device facts, and starts the process lifecycle observer.
 */
@ReactModule(name = OtelSessionsModule.NAME)
class OtelSessionsModule(reactContext: ReactApplicationContext) :
    NativeOtelSessionsSpec(reactContext), TurboModuleWithJSIBindings {

  @Volatile private var handle: Long = OtelSessionsNative.createBinding()

  init {
    OtelSessionsNative.setPlatformInfo(PlatformInfo.json(reactContext.applicationContext))?.let {
      Log.w(NAME, "platform info refused: $it")
    }
    AppLifecycle.observe()
  }

  @OptIn(FrameworkAPI::class)
  override fun getBindingsInstaller(): BindingsInstallerHolder =
      OtelSessionsNative.bindingsInstaller(
          handle, reactApplicationContext.jsCallInvokerHolder as? CallInvokerHolderImpl)

  /**
   * True when the binding is in this runtime. Throws with the cause when installing failed, so
   * JavaScript sees why rather than a generic "not available".
   */
  override fun install(): Boolean {
    val h = handle
    if (h == 0L) return false
    if (OtelSessionsNative.isInstalled(h)) return true
    OtelSessionsNative.installError(h)?.let { throw IllegalStateException(it) }
    return false
  }

  /** The React instance is going away: release the binding while its runtime still exists. */
  override fun invalidate() {
    val h = handle
    handle = 0L
    if (h != 0L) OtelSessionsNative.disposeBinding(h)
    super.invalidate()
  }

  companion object {
    const val NAME: String = NativeOtelSessionsSpec.NAME
  }
}
