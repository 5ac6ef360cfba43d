package com.otelsessions

import android.app.ActivityManager
import android.app.Application
import android.os.Handler
import android.os.Looper

/**
 * Process-wide foreground/background for the engine: one [ForegroundTracker] per application,
 * reporting to the native library (`ots_app_foreground()` / `ots_app_background()`).
 *
 * The state at launch is read synchronously, when the module is created, from the process's
 * importance (`ActivityManager.getMyMemoryState`): the module is created on the JS thread when
 * JavaScript first requires it, in the same JavaScript turn that then calls `Sessions.init`, so
 * the engine must know the state before the constructor returns. A process started in the
 * background (a silent push, a background fetch, a foreground service) then starts its session
 * as background rather than foreground.
 */
internal object AppLifecycle {
  private var tracker: ForegroundTracker? = null // guarded by this
  private var application: Application? = null // guarded by this

  /**
   * Starts tracking [app] if nothing tracks it yet, then reports the current state to [native]
   * before returning, and every later change on the main thread. Any thread; a second call (a
   * new module after a reload) only replaces the library reported to.
   */
  fun attach(app: Application, native: NativeLibrary) {
    val current =
        synchronized(this) {
          val existing = tracker
          if (existing != null && application === app) {
            existing
          } else {
            tracker?.let { application?.unregisterActivityLifecycleCallbacks(it) }
            ForegroundTracker(Handler(Looper.getMainLooper()), isProcessVisible()).also {
              app.registerActivityLifecycleCallbacks(it)
              tracker = it
              application = app
            }
          }
        }
    current.observe { foreground -> if (foreground) native.appForeground() else native.appBackground() }
  }

  /**
   * True when the system ranks this process as showing an activity: importance FOREGROUND (the
   * top activity) or VISIBLE (visible, not focused, as in split screen). A foreground service,
   * a broadcast receiver or a job is not visible. If the system cannot answer (its process is
   * restarting), the engine's own default applies: foreground.
   */
  fun isProcessVisible(): Boolean {
    val info = ActivityManager.RunningAppProcessInfo()
    try {
      ActivityManager.getMyMemoryState(info)
    } catch (e: RuntimeException) {
      return true
    }
    return info.importance == ActivityManager.RunningAppProcessInfo.IMPORTANCE_FOREGROUND ||
        info.importance == ActivityManager.RunningAppProcessInfo.IMPORTANCE_VISIBLE
  }
}
