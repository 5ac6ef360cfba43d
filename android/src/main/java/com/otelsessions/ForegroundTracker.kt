package com.otelsessions

import android.app.Activity
import android.app.Application
import android.os.Bundle
import android.os.Handler
import java.util.Collections
import java.util.WeakHashMap

/**
 * Whether the app is in the foreground, from the framework alone: a count of started activities
 * (`Application.ActivityLifecycleCallbacks`), with ProcessLifecycleOwner's rules and without
 * androidx:
 * - the first activity to start makes the app foreground at once;
 * - the app becomes background [backgroundDelayMs] (700 ms, as ProcessLifecycleOwner) after the
 *   last started activity stops, unless an activity starts meanwhile; so a configuration change
 *   (the activity stops and its new instance starts) is not a background.
 *
 * The tracker usually starts after some activity is already visible (the module is created when
 * JavaScript first requires it). [initiallyForeground] says whether one is: the tracker then
 * counts one started activity it has not seen, which the first stop of an activity it never saw
 * start, or the first start it sees, accounts for. (Two activities started before the tracker,
 * one above the other, are counted as one: when the upper one stops, the app is reported as
 * background although the lower one is still visible, until the next start.)
 *
 * Callbacks run on the main thread, which [handler] must post to. [observe] may be called from
 * any thread: it delivers the current state at once, then every change, on the main thread.
 */
internal class ForegroundTracker(
    private val handler: Handler,
    initiallyForeground: Boolean,
    private val backgroundDelayMs: Long = BACKGROUND_DELAY_MS,
) : Application.ActivityLifecycleCallbacks {
  private val lock = Any()
  /** Started activities the tracker saw start (weak: never keeps an activity alive). Main thread. */
  private val started: MutableSet<Activity> = Collections.newSetFromMap(WeakHashMap())
  /** A started activity that started before the tracker existed. Main thread. */
  private var unseenStarted = initiallyForeground
  private var foreground = initiallyForeground // guarded by lock
  private var listener: ((Boolean) -> Unit)? = null // guarded by lock
  private val reportBackground = Runnable { if (startedCount() == 0) report(false) }

  /** The last state reported (or the initial one). Any thread. */
  val isForeground: Boolean
    get() = synchronized(lock) { foreground }

  /**
   * Calls [onChange] with the current state now, on the calling thread, then with every change,
   * on the main thread; replaces the previous listener. Reporting under one lock keeps the order:
   * a change never overtakes the current state delivered here.
   */
  fun observe(onChange: (foreground: Boolean) -> Unit) {
    synchronized(lock) {
      listener = onChange
      onChange(foreground)
    }
  }

  override fun onActivityStarted(activity: Activity) {
    unseenStarted = false
    started.add(activity)
    handler.removeCallbacks(reportBackground)
    report(true)
  }

  override fun onActivityStopped(activity: Activity) {
    if (!started.remove(activity)) unseenStarted = false
    if (startedCount() == 0) {
      handler.removeCallbacks(reportBackground)
      handler.postDelayed(reportBackground, backgroundDelayMs)
    }
  }

  private fun startedCount(): Int = started.size + if (unseenStarted) 1 else 0

  private fun report(nowForeground: Boolean) {
    synchronized(lock) {
      if (foreground == nowForeground) return
      foreground = nowForeground
      listener?.invoke(nowForeground)
    }
  }

  override fun onActivityCreated(activity: Activity, savedInstanceState: Bundle?) = Unit

  override fun onActivityResumed(activity: Activity) = Unit

  override fun onActivityPaused(activity: Activity) = Unit

  override fun onActivitySaveInstanceState(activity: Activity, outState: Bundle) = Unit

  override fun onActivityDestroyed(activity: Activity) = Unit

  companion object {
    /** ProcessLifecycleOwner's delay before it reports the background (androidx lifecycle 2.x). */
    const val BACKGROUND_DELAY_MS: Long = 700
  }
}
