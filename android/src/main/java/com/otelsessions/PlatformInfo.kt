package com.otelsessions

import android.content.Context
import android.os.Build
import java.io.File
import org.json.JSONObject

/**
 * What the engine needs from Android before `Sessions.init`: its default storage directory and
 * the device/OS facts for the OpenTelemetry resource (semantic-convention names).
 */
internal object PlatformInfo {
  /** Directory name under the app's private files dir (not backed up to other devices' data). */
  const val STORAGE_DIR_NAME: String = "otel-sessions"

  /** `{"storageDir": ..., "resource": {...}}` as `ots_set_platform_info` accepts it. */
  fun json(context: Context): String {
    val storageDir = File(context.filesDir, STORAGE_DIR_NAME)
    val resource =
        JSONObject()
            .put("os.type", "linux")
            .put("os.name", "Android")
            .put("os.version", Build.VERSION.RELEASE ?: "")
            .put("os.build_id", Build.ID ?: "")
            .put("android.os.api_level", Build.VERSION.SDK_INT.toString())
            .put("device.manufacturer", Build.MANUFACTURER ?: "")
            .put("device.model.identifier", Build.MODEL ?: "")
    return JSONObject().put("storageDir", storageDir.absolutePath).put("resource", resource).toString()
  }
}
