package com.otelsessions

import com.facebook.react.modules.network.OkHttpClientProvider
import java.io.IOException
import java.util.concurrent.TimeUnit
import okhttp3.Call
import okhttp3.Callback
import okhttp3.Headers
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response

/**
 * The library's HTTP transport on Android (`OtsSendFn` in `rust/jsi/include/otel_sessions.h`):
 * each upload the Rust library decides on is one OkHttp POST on the app's own client, so the
 * app's certificate pinning, trusted CAs, interceptors and proxy apply.
 *
 * It only moves bytes: the URL, headers and (already gzip'd) body go out as they are, and the
 * status, the `Retry-After` value and the first 4 MiB of a 2xx body come back through
 * [NativeLibrary.transportComplete]. Retries, backoff and every other decision stay in Rust.
 *
 * [clientSource] gives the app's client; in an app that is React Native's
 * `OkHttpClientProvider.getOkHttpClient()` (what `setOkHttpClientFactory` configures), asked on
 * the first upload so that a factory set in `Application.onCreate` is honoured. The transport
 * derives a client from it with `newBuilder()` and the request's timeout as `callTimeout`.
 */
internal class OkHttpTransport(
    private val native: NativeLibrary,
    private val clientSource: () -> OkHttpClient,
) {
  @Volatile private var derived: Pair<Int, OkHttpClient>? = null

  /**
   * Called by the native library (JNI, from the Rust uploader thread) for request [id]: starts
   * the POST on OkHttp's own threads and returns at once. The outcome reaches
   * [NativeLibrary.transportComplete] exactly once, from an OkHttp thread, or from this call
   * when the request cannot even start (a malformed URL or header): status 0 with the reason.
   */
  fun send(
      id: Long,
      url: String,
      headerNames: Array<String>,
      headerValues: Array<String>,
      body: ByteArray,
      timeoutMs: Int,
  ) {
    val call: Call
    try {
      require(headerNames.size == headerValues.size) {
        "${headerNames.size} header names but ${headerValues.size} values"
      }
      // Values go out as the library gave them (UTF-8); OkHttp's addHeader would refuse non-ASCII.
      val headers = Headers.Builder()
      for (i in headerNames.indices) {
        val value = headerValues[i]
        require(value.none { it == '\r' || it == '\n' || it == '\u0000' }) { "header ${headerNames[i]}: CR, LF or NUL in its value" }
        headers.addUnsafeNonAscii(headerNames[i], value)
      }
      // No media type on the body: the Content-Type header the library sent stays as it is.
      val request = Request.Builder().url(url).headers(headers.build()).post(body.toRequestBody(null)).build()
      call = clientFor(timeoutMs).newCall(request)
    } catch (e: Exception) {
      complete(id, 0, null, "react-native-otel-sessions: cannot send to $url: $e".toByteArray())
      return
    }
    call.enqueue(
        object : Callback {
          override fun onFailure(call: Call, e: IOException) {
            complete(id, 0, null, e.toString().toByteArray())
          }

          override fun onResponse(call: Call, response: Response) {
            response.use { complete(id, it.code, it.header("Retry-After"), bodyOf(it)) }
          }
        })
  }

  /** The app's client with [timeoutMs] for the whole call; rebuilt only when the timeout changes. */
  private fun clientFor(timeoutMs: Int): OkHttpClient {
    derived?.let { (timeout, client) -> if (timeout == timeoutMs) return client }
    val client =
        clientSource().newBuilder().callTimeout(timeoutMs.coerceAtLeast(1).toLong(), TimeUnit.MILLISECONDS).build()
    derived = timeoutMs to client
    return client
  }

  private fun complete(id: Long, status: Int, retryAfter: String?, body: ByteArray) {
    native.transportComplete(id, status, retryAfter, body)
  }

  companion object {
    /** The most of a response body the library reads (OTLP's recommended response limit). */
    const val MAX_BODY_BYTES: Long = 4L * 1024 * 1024

    private val EMPTY = ByteArray(0)

    @Volatile private var registeredWith: NativeLibrary? = null

    /**
     * Makes an [OkHttpTransport] on React Native's `OkHttpClientProvider` the library's transport,
     * once per process (per [native]). Returns null, or why the library refused it.
     */
    fun register(native: NativeLibrary): String? {
      synchronized(this) {
        if (registeredWith === native) return null
        val status = native.setTransport(OkHttpTransport(native) { OkHttpClientProvider.getOkHttpClient() })
        if (status != 0) return "ots_set_transport returned $status"
        registeredWith = native
        return null
      }
    }

    /**
     * A 2xx body, at most [MAX_BODY_BYTES]; other statuses need none. A body that cannot be read
     * (cut short, or anything else) is empty: the status still completes the request, once.
     */
    private fun bodyOf(response: Response): ByteArray {
      if (!response.isSuccessful) return EMPTY
      return try {
        val source = response.body?.source() ?: return EMPTY
        source.request(MAX_BODY_BYTES)
        source.buffer.readByteArray(minOf(source.buffer.size, MAX_BODY_BYTES))
      } catch (e: Exception) {
        EMPTY
      }
    }
  }
}
