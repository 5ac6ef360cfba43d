package com.otelsessions

import android.os.Handler
import android.os.Looper
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ProcessLifecycleOwner
import java.util.concurrent.atomic.AtomicBoolean

/**
 * Process-wide foreground/background for the engine: ProcessLifecycleOwner's ON_START (first
 * activity visible) calls `ots_app_foreground()`, ON_STOP (last activity gone, after its short
 * debounce for configuration changes) calls `ots_app_background()`. Registered once per process.
 */
internal object AppLifecycle : DefaultLifecycleObserver {
  private val registered = AtomicBoolean(false)

  /** Starts observing; later calls do nothing. Any thread (registration happens on the main thread). */
  fun observe() {
    if (!registered.compareAndSet(false, true)) return
    if (Looper.myLooper() == Looper.getMainLooper()) {
      register()
    } else {
      Handler(Looper.getMainLooper()).post { register() }
    }
  }

  private fun register() {
    val lifecycle = ProcessLifecycleOwner.get().lifecycle
    // Adding the observer replays ON_START at once when the process is already visible.
    lifecycle.addObserver(this)
    if (!lifecycle.currentState.isAtLeast(Lifecycle.State.STARTED)) {
      OtelSessionsNative.appBackground()
    }
  }

  override fun onStart(owner: LifecycleOwner) {
    OtelSessionsNative.appForeground()
  }

  override fun onStop(owner: LifecycleOwner) {
    OtelSessionsNative.appBackground()
  }
}
