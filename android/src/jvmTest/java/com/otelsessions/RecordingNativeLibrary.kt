package com.otelsessions

import com.facebook.jni.HybridData
import com.facebook.react.common.annotations.FrameworkAPI
import com.facebook.react.turbomodule.core.CallInvokerHolderImpl
import com.facebook.react.turbomodule.core.interfaces.BindingsInstallerHolder
import com.facebook.soloader.nativeloader.NativeLoader
import com.facebook.soloader.nativeloader.NativeLoaderDelegate
import java.util.Collections
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

/**
 * The test double of `libotelsessions.so` (which needs a device): records, in order, every call
 * the Kotlin glue makes to the C ABI, and keeps transport completions for the test to take.
 */
internal class RecordingNativeLibrary : NativeLibrary {
  /** One entry per call, e.g. `appForeground`, `bindingsInstaller(0)`. Any thread. */
  val calls: MutableList<String> = Collections.synchronizedList(mutableListOf())
  /** What the library's `send` would go through, once [setTransport] ran. */
  @Volatile var transport: OkHttpTransport? = null
  /** Set to make [installError] report a failed install. */
  @Volatile var failedInstall: String? = null
  private val completions = LinkedBlockingQueue<Completion>()
  private var nextHandle = 41L

  /** One `ots_transport_complete` call. */
  data class Completion(
      val id: Long,
      val status: Int,
      val retryAfter: String?,
      val body: ByteArray,
      val thread: String,
  ) {
    val text: String
      get() = String(body, Charsets.UTF_8)
  }

  /** The next completion, waiting at most [seconds]; fails the test when none comes. */
  fun takeCompletion(seconds: Long = 20): Completion =
      completions.poll(seconds, TimeUnit.SECONDS) ?: throw AssertionError("no ots_transport_complete within $seconds s")

  /** True if a completion arrives within [millis] (for "exactly once" checks). */
  fun anotherCompletionWithin(millis: Long): Boolean = completions.poll(millis, TimeUnit.MILLISECONDS) != null

  /** The C ABI calls so far, without the transport's completions. */
  fun lifecycleCalls(): List<String> = calls.filter { it == "appForeground" || it == "appBackground" }

  override fun createBinding(): Long {
    calls += "createBinding"
    return ++nextHandle
  }

  @OptIn(FrameworkAPI::class)
  override fun bindingsInstaller(handle: Long, jsInvokerHolder: CallInvokerHolderImpl?): BindingsInstallerHolder {
    calls += "bindingsInstaller($handle)"
    return BindingsInstallerHolder(HybridData()).also { holders += it }
  }


  override fun isInstalled(handle: Long): Boolean {
    calls += "isInstalled($handle)"
    return false
  }

  override fun installError(handle: Long): String? {
    calls += "installError($handle)"
    return failedInstall
  }

  override fun disposeBinding(handle: Long) {
    calls += "disposeBinding($handle)"
  }

  override fun appForeground() {
    calls += "appForeground"
  }

  override fun appBackground() {
    calls += "appBackground"
  }

  override fun setPlatformInfo(json: String): String? {
    calls += "setPlatformInfo"
    platformInfo = json
    return null
  }

  @Volatile var platformInfo: String? = null

  override fun setTransport(transport: OkHttpTransport): Int {
    calls += "setTransport"
    this.transport = transport
    return 0
  }

  override fun transportComplete(id: Long, status: Int, retryAfter: String?, body: ByteArray): Int {
    completions += Completion(id, status, retryAfter, body.copyOf(), Thread.currentThread().name)
    return 0
  }

  companion object {
    // Kept reachable for the whole run: a collected HybridData calls its (absent) native destructor.
    private val holders = Collections.synchronizedList(mutableListOf<BindingsInstallerHolder>())

    init {
      // fbjni's HybridData loads libfbjni through NativeLoader; there is no native code here.
      NativeLoader.initIfUninitialized(
          object : NativeLoaderDelegate {
            override fun loadLibrary(shortName: String, flags: Int): Boolean = true

            override fun getLibraryPath(libName: String): String? = null

            override fun getSoSourcesVersion(): Int = 0
          })
    }
  }
}
