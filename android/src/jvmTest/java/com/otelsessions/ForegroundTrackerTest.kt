package com.otelsessions

import android.app.Activity
import android.app.Application
import android.content.res.Configuration
import android.os.Handler
import android.os.Looper
import java.time.Duration
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotSame
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.annotation.Config

/** Activities driven by Robolectric against ProcessLifecycleOwner's rules (700 ms, config changes). */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class ForegroundTrackerTest {
  private val app: Application = RuntimeEnvironment.getApplication()
  private val reports = mutableListOf<String>()
  private var tracker: ForegroundTracker? = null

  private fun track(initiallyForeground: Boolean) {
    val t = ForegroundTracker(Handler(Looper.getMainLooper()), initiallyForeground)
    app.registerActivityLifecycleCallbacks(t)
    t.observe { foreground -> reports += if (foreground) "foreground" else "background" }
    tracker = t
  }

  private fun activity(): ActivityController<Activity> = Robolectric.buildActivity(Activity::class.java)

  private fun advance(millis: Long) = shadowOf(Looper.getMainLooper()).idleFor(Duration.ofMillis(millis))

  @After
  fun unregister() {
    tracker?.let { app.unregisterActivityLifecycleCallbacks(it) }
  }

  @Test
  fun theFirstActivityToStartMakesTheAppForegroundAtOnce() {
    track(initiallyForeground = false)
    activity().create().start().resume()
    assertEquals(listOf("background", "foreground"), reports)
  }

  @Test
  fun theBackgroundComes700msAfterTheLastActivityStops() {
    track(initiallyForeground = false)
    val a = activity().create().start().resume()
    a.pause().stop()
    advance(699)
    assertEquals(listOf("background", "foreground"), reports)
    advance(1)
    assertEquals(listOf("background", "foreground", "background"), reports)
  }

  @Test
  fun aConfigurationChangeIsNotABackground() {
    track(initiallyForeground = false)
    val a = activity().create().start().resume()
    val before = a.get()
    val landscape = Configuration(app.resources.configuration).apply { orientation = Configuration.ORIENTATION_LANDSCAPE }
    a.configurationChange(landscape) // the activity does not handle it: stopped, destroyed, recreated
    assertNotSame("the activity was recreated (stopped and started again)", before, a.get())
    advance(5_000)
    assertEquals(listOf("background", "foreground"), reports)
    a.pause().stop()
    advance(700)
    assertEquals(listOf("background", "foreground", "background"), reports)
  }

  @Test
  fun anActivityStartingWithinTheDelayCancelsTheBackground() {
    track(initiallyForeground = false)
    val a = activity().create().start().resume()
    a.pause().stop()
    advance(500)
    val b = activity().create().start().resume()
    advance(5_000)
    assertEquals(listOf("background", "foreground"), reports)
    b.pause().stop()
    advance(700)
    assertEquals(listOf("background", "foreground", "background"), reports)
  }

  @Test
  fun theAppStaysForegroundWhileAnyActivityIsStarted() {
    track(initiallyForeground = false)
    val a = activity().create().start().resume()
    val b = activity().create().start().resume()
    a.pause().stop()
    advance(5_000)
    assertEquals(listOf("background", "foreground"), reports)
    b.pause().stop()
    advance(700)
    assertEquals(listOf("background", "foreground", "background"), reports)
  }

  @Test
  fun aTrackerStartedLateCountsTheVisibleActivityItNeverSawStart() {
    val a = activity().create().start().resume()
    track(initiallyForeground = true)
    assertEquals(listOf("foreground"), reports)
    a.pause().stop()
    advance(700)
    assertEquals(listOf("foreground", "background"), reports)
  }

  @Test
  fun aTrackerStartedJustBeforeTheFirstStartCountsThatActivityOnce() {
    track(initiallyForeground = true) // the system already ranks the process visible
    val a = activity().create().start().resume()
    a.pause().stop()
    advance(700)
    assertEquals(listOf("foreground", "background"), reports)
  }

  @Test
  fun aTrackerStartedLateFollowsANewActivityOnTop() {
    val a = activity().create().start().resume()
    track(initiallyForeground = true)
    val b = activity().create().start().resume()
    a.pause().stop()
    advance(5_000)
    assertEquals(listOf("foreground"), reports)
    b.pause().stop()
    advance(700)
    assertEquals(listOf("foreground", "background"), reports)
  }

  @Test
  fun aBackgroundStartReportsBackgroundUntilAnActivityStarts() {
    track(initiallyForeground = false)
    advance(5_000)
    assertEquals(listOf("background"), reports)
    activity().create().start().resume()
    assertEquals(listOf("background", "foreground"), reports)
  }
}
