package com.otelsessions

import android.app.Application
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
 * then only reports the outcome.
 *
 * Creating the module gives the engine, before JavaScript can call `Sessions.init`, everything it
 * needs from Android: the app's foreground/background state (read synchronously, then tracked),
 * the storage directory and device facts, and the HTTP transport (the app's OkHttp client).
 */
@ReactModule(name = OtelSessionsModule.NAME)
class OtelSessionsModule
internal constructor(reactContext: ReactApplicationContext, private val native: NativeLibrary) :
    NativeOtelSessionsSpec(reactContext), TurboModuleWithJSIBindings {

  /** The module React Native creates: on `libotelsessions.so`. */
  constructor(reactContext: ReactApplicationContext) : this(reactContext, OtelSessionsNative.instance)

  @Volatile private var handle: Long = native.createBinding()

  init {
    val app = reactContext.applicationContext as? Application
    if (app != null) {
      AppLifecycle.attach(app, native)
    } else {
      Log.w(NAME, "no Application context: foreground/background are not tracked")
    }
    native.setPlatformInfo(PlatformInfo.json(reactContext.applicationContext))?.let {
      Log.w(NAME, "platform info refused: $it")
    }
    OkHttpTransport.register(native)?.let { Log.w(NAME, "HTTP transport refused: $it; uploads wait") }
  }

  /** The installer; after [invalidate] (handle 0) one that installs nothing. Never throws. */
  @OptIn(FrameworkAPI::class)
  override fun getBindingsInstaller(): BindingsInstallerHolder =
      native.bindingsInstaller(handle, reactApplicationContext.jsCallInvokerHolder as? CallInvokerHolderImpl)

  /**
   * True when the binding is in this runtime. Throws with the cause when installing failed, so
   * JavaScript sees why rather than a generic "not available".
   */
  override fun install(): Boolean {
    val h = handle
    if (h == 0L) return false
    if (native.isInstalled(h)) return true
    native.installError(h)?.let { throw IllegalStateException(it) }
    return false
  }

  /** The React instance is going away: release the binding while its runtime still exists. */
  override fun invalidate() {
    val h = handle
    handle = 0L
    if (h != 0L) native.disposeBinding(h)
    super.invalidate()
  }

  companion object {
    const val NAME: String = NativeOtelSessionsSpec.NAME
  }
}
