package com.otelsessions

import com.facebook.react.common.annotations.FrameworkAPI
import java.io.File
import java.nio.file.Files
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The Android upload path end to end on the JVM, with the real JNI: the host build of
 * libotelsessions.so (the Android C++, fbjni, the Rust library; scripts/native/android-host-jni.sh)
 * loaded by [OtelSessionsNative] as an app loads it. A record goes from the Rust engine through
 * `OtsSendFn` (C++, on the Rust uploader thread attached to the JVM) to [OkHttpTransport.send],
 * OkHttp, the project's receiver on loopback, and back through `transportComplete`.
 */
class HostJniEndToEndTest {
  @OptIn(FrameworkAPI::class)
  @Test
  fun aRecordTravelsFromRustThroughJniAndOkHttpToTheReceiverAndARefusalIsRetried() {
    val dir =
        System.getProperty("otelsessions.hostjni")
            ?: throw IllegalStateException("-Dotelsessions.hostjni=DIR (scripts/native/android-host-jni.sh) is required")
    // As on Android, fbjni is loaded as its own library first; its JNI_OnLoad registers HybridData's natives.
    System.load(File(dir, "libfbjni.so").absolutePath)
    OtlpReceiverProcess("503:retry-after=1").use { rx ->
      // System.loadLibrary("otelsessions"): JNI_OnLoad registers every native method (a descriptor
      // that does not match the Kotlin declaration fails here) and resolves OkHttpTransport.send.
      val native = OtelSessionsNative.instance
      val storage = Files.createTempDirectory("otel-sessions-jvm").toFile()
      assertNull(native.setPlatformInfo("""{"storageDir":"${storage.path}","resource":{"os.name":"Android"}}"""))
      assertNull(OkHttpTransport.register(native))
      native.appForeground()

      assertEquals("0:", HostLibrary.initSessions("""{"serviceName":"jvm-e2e","endpoint":"${rx.endpoint}"}""").take(2))
      assertTrue(HostLibrary.call("recordEvent", """["jvm.e2e.event",{"via":"okhttp"}]""").startsWith("0:"))
      val flushed = HostLibrary.flush(30_000)
      assertTrue("flush settled: $flushed", flushed != "timeout")
      // The receiver refused the first upload (503, Retry-After: 1); Rust retried through OkHttp.
      rx.awaitReceived("\"jvm.e2e.event\"")

      // The binding handles through the real JNI, including the invalidated module's handle 0.
      val handle = native.createBinding()
      assertFalse(native.isInstalled(handle))
      assertNull(native.installError(handle))
      native.bindingsInstaller(handle, null)
      native.disposeBinding(handle)
      native.bindingsInstaller(0, null)
      assertFalse(native.isInstalled(0))
      native.disposeBinding(0)

      HostLibrary.release()
      storage.deleteRecursively()
    }
  }
}
