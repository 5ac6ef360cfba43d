// BridgeReactContext is deprecated (Legacy Architecture), but it is the one concrete
// ReactApplicationContext that needs no running React host; the module only reads its context.
@file:Suppress("DEPRECATION")

package com.otelsessions

import android.app.Activity
import android.app.ActivityManager
import android.app.ActivityManager.RunningAppProcessInfo
import android.app.Application
import android.content.Context
import android.os.Looper
import android.os.Process
import com.facebook.react.bridge.BridgeReactContext
import java.time.Duration
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/** What creating, using and invalidating the module hands the C ABI, in order. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class OtelSessionsModuleTest {
  private val app: Application = RuntimeEnvironment.getApplication()
  private val native = RecordingNativeLibrary()

  private fun processImportance(importance: Int) {
    val am = app.getSystemService(Context.ACTIVITY_SERVICE) as ActivityManager
    val me =
        RunningAppProcessInfo().apply {
          pid = Process.myPid()
          processName = app.packageName
          this.importance = importance
        }
    shadowOf(am).setProcesses(listOf(me))
  }

  private fun newModule() = OtelSessionsModule(BridgeReactContext(app), native)

  @Test
  fun aBackgroundLaunchReportsBackgroundBeforeTheModuleExists() {
    processImportance(RunningAppProcessInfo.IMPORTANCE_SERVICE) // a push or a job woke the app
    newModule()
    // All of it before the constructor returned, so before JavaScript could call Sessions.init.
    assertEquals(listOf("createBinding", "appBackground", "setPlatformInfo", "setTransport"), native.calls.toList())
    Robolectric.buildActivity(Activity::class.java).create().start().resume() // the user opens the app later
    assertEquals(listOf("appBackground", "appForeground"), native.lifecycleCalls())
  }

  @Test
  fun aForegroundLaunchReportsForegroundThenTracksActivities() {
    processImportance(RunningAppProcessInfo.IMPORTANCE_FOREGROUND)
    val a = Robolectric.buildActivity(Activity::class.java).create().start().resume()
    newModule()
    assertEquals(listOf("appForeground"), native.lifecycleCalls())
    a.pause().stop()
    shadowOf(Looper.getMainLooper()).idleFor(Duration.ofMillis(700))
    assertEquals(listOf("appForeground", "appBackground"), native.lifecycleCalls())
  }

  @Test
  fun aSplitScreenProcessThatIsVisibleButNotFocusedIsForeground() {
    processImportance(RunningAppProcessInfo.IMPORTANCE_VISIBLE)
    newModule()
    assertEquals(listOf("appForeground"), native.lifecycleCalls())
  }

  @Test
  fun aForegroundServiceIsNotForeground() {
    processImportance(RunningAppProcessInfo.IMPORTANCE_FOREGROUND_SERVICE)
    newModule()
    assertEquals(listOf("appBackground"), native.lifecycleCalls())
  }

  @Test
  fun platformInfoNamesTheStorageDirectoryAndTheDevice() {
    newModule()
    val info = JSONObject(native.platformInfo ?: throw AssertionError("setPlatformInfo was not called"))
    assertEquals("${app.filesDir.absolutePath}/otel-sessions", info.getString("storageDir"))
    assertEquals("Android", info.getJSONObject("resource").getString("os.name"))
    assertEquals("34", info.getJSONObject("resource").getString("android.os.api_level"))
  }

  @Test
  fun theInstallerAfterInvalidateIsAskedForWithHandleZeroAndNothingThrows() {
    val module = newModule()
    module.getBindingsInstaller()
    module.invalidate()
    module.getBindingsInstaller()
    assertFalse(module.install())
    module.invalidate()
    val after = native.calls.dropWhile { it != "bindingsInstaller(42)" }
    assertEquals(listOf("bindingsInstaller(42)", "disposeBinding(42)", "bindingsInstaller(0)"), after)
  }

  @Test
  fun installThrowsTheReasonWhenInstallingFailed() {
    val module = newModule()
    native.failedInstall = "react-native-otel-sessions: installing the JSI binding failed: boom"
    val e = assertThrows(IllegalStateException::class.java) { module.install() }
    assertEquals(native.failedInstall, e.message)
    native.failedInstall = null
    assertFalse(module.install())
  }

  @Test
  fun theTransportIsRegisteredOncePerLibrary() {
    newModule()
    newModule() // a reload creates the module again
    assertEquals(1, native.calls.count { it == "setTransport" })
    assertTrue(native.transport != null)
  }
}
