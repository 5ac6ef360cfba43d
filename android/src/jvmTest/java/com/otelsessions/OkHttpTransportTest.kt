package com.otelsessions

import com.facebook.react.modules.network.OkHttpClientFactory
import com.facebook.react.modules.network.OkHttpClientProvider
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.util.concurrent.atomic.AtomicReference
import okhttp3.OkHttpClient
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The Android transport with real OkHttp (react-android's version) against real servers on
 * loopback: the project's fault-injecting OTLP receiver, and a JDK HTTP server where the receiver
 * cannot produce the case (a body over 4 MiB, what the server saw of the headers).
 */
class OkHttpTransportTest {
  private val native = RecordingNativeLibrary()
  private val transport = OkHttpTransport(native) { OkHttpClient() }
  private val closeables = mutableListOf<AutoCloseable>()

  @After
  fun close() = closeables.reversed().forEach { it.close() }

  private fun receiver(vararg faults: String) = OtlpReceiverProcess(*faults).also { closeables += it }

  private fun send(
      id: Long,
      url: String,
      body: ByteArray = OtlpTestData.gzippedTraceRequest("jvm-transport"),
      timeoutMs: Int = 10_000,
      names: Array<String> = OtlpTestData.headerNames,
      values: Array<String> = OtlpTestData.headerValues.map { it.replace(" ✓", "") }.toTypedArray(),
  ) = transport.send(id, url, names, values, body, timeoutMs)

  @Test
  fun aGzippedOtlpRequestArrivesIntactAndTheStatusComesBackOnAnOkHttpThread() {
    val rx = receiver("delay=1500:ok")
    send(7, "${rx.endpoint}/v1/traces")
    assertFalse("send returned before the answer (it must not wait for the network)", native.anotherCompletionWithin(200))
    val done = native.takeCompletion()
    assertEquals(7L, done.id)
    assertEquals(200, done.status)
    assertNotEquals(Thread.currentThread().name, done.thread)
    rx.awaitReceived("\"jvm-transport\"") // decoded: the gzip'd body and its headers went through unchanged
    assertFalse("completed exactly once", native.anotherCompletionWithin(300))
  }

  @Test
  fun retryAfterComesBackVerbatimWithTheStatus() {
    val rx = receiver("503:retry-after=7", "429:retry-after=Wed, 21 Oct 2015 07:28:00 GMT", "502")
    send(1, "${rx.endpoint}/v1/traces")
    native.takeCompletion().let {
      assertEquals(503, it.status)
      assertEquals("7", it.retryAfter)
      assertEquals("only 2xx bodies are read", 0, it.body.size)
    }
    send(2, "${rx.endpoint}/v1/traces")
    native.takeCompletion().let {
      assertEquals(429, it.status)
      assertEquals("Wed, 21 Oct 2015 07:28:00 GMT", it.retryAfter)
    }
    send(3, "${rx.endpoint}/v1/traces")
    native.takeCompletion().let {
      assertEquals(502, it.status)
      assertNull(it.retryAfter)
    }
  }

  @Test
  fun aPartialSuccessBodyComesBack() {
    val rx = receiver("partial=2:spans too old")
    send(5, "${rx.endpoint}/v1/traces")
    val done = native.takeCompletion()
    assertEquals(200, done.status)
    assertTrue("body has the partial_success message: ${done.text}", done.text.contains("spans too old"))
  }

  @Test
  fun aResetConnectionIsStatusZeroWithTheReason() {
    val rx = receiver("reset", "reset", "reset") // OkHttp may retry a reset once on its own
    send(9, "${rx.endpoint}/v1/traces")
    val done = native.takeCompletion()
    assertEquals(9L, done.id)
    assertEquals(0, done.status)
    assertTrue(done.text.isNotEmpty())
  }

  @Test
  fun theRequestTimeoutBoundsTheWholeCall() {
    val rx = receiver("delay=20000:ok")
    val started = System.nanoTime()
    send(11, "${rx.endpoint}/v1/traces", timeoutMs = 300)
    val done = native.takeCompletion()
    val tookMs = (System.nanoTime() - started) / 1_000_000
    assertEquals(0, done.status)
    assertTrue("a timeout: ${done.text}", done.text.contains("timeout", ignoreCase = true))
    assertTrue("answered by the 300 ms timeout, not the 20 s delay (took $tookMs ms)", tookMs < 15_000)
  }

  @Test
  fun aRefusedConnectionIsStatusZero() {
    val port = ServerSocket(0).use { it.localPort } // closed again: nothing listens there
    send(12, "http://127.0.0.1:$port/v1/traces")
    val done = native.takeCompletion()
    assertEquals(0, done.status)
    assertTrue(done.text.contains("Connect", ignoreCase = true) || done.text.contains("refused", ignoreCase = true))
  }

  @Test
  fun aMalformedUrlOrHeaderCompletesAtOnceOnTheCallingThread() {
    send(13, "not a url")
    native.takeCompletion(0).let {
      assertEquals(0, it.status)
      assertEquals(Thread.currentThread().name, it.thread)
      assertTrue(it.text.contains("not a url"))
    }
    send(14, "http://127.0.0.1:9/v1/traces", names = arrayOf("X-Bad"), values = arrayOf("a\r\nInjected: 1"))
    assertEquals(0, native.takeCompletion(0).status)
    send(15, "http://127.0.0.1:9/v1/traces", names = arrayOf("A", "B"), values = arrayOf("1"))
    assertEquals(0, native.takeCompletion(0).status)
  }

  @Test
  fun aTwoXxBodyIsReadUpTo4MiBAndHeadersGoOutAsUtf8() {
    val big = ByteArray(5 * 1024 * 1024) { (it % 251).toByte() }
    val seenKey = AtomicReference<String>()
    val server = jdkServer { exchange ->
      seenKey.set(exchange.requestHeaders.getFirst("x-api-key"))
      exchange.sendResponseHeaders(200, big.size.toLong())
      exchange.responseBody.use { it.write(big) }
    }
    send(21, "http://127.0.0.1:${server.address.port}/v1/traces", values = OtlpTestData.headerValues)
    val done = native.takeCompletion()
    assertEquals(200, done.status)
    assertEquals(OkHttpTransport.MAX_BODY_BYTES.toInt(), done.body.size)
    assertArrayEquals(big.copyOf(done.body.size), done.body)
    // The JDK server decodes header bytes as ISO-8859-1; the bytes themselves are UTF-8.
    assertEquals("secret ✓", String(seenKey.get().toByteArray(Charsets.ISO_8859_1), Charsets.UTF_8))
  }

  @Test
  fun theAppsOwnClientFromOkHttpClientProviderCarriesTheUpload() {
    val seen = AtomicReference<String>()
    val server = jdkServer { exchange ->
      seen.set(exchange.requestHeaders.getFirst("X-App-Interceptor"))
      exchange.sendResponseHeaders(204, -1)
      exchange.close()
    }
    // What an app does in Application.onCreate to pin certificates or add interceptors.
    OkHttpClientProvider.setOkHttpClientFactory(
        object : OkHttpClientFactory {
          override fun createNewNetworkModuleClient(): OkHttpClient =
              OkHttpClient.Builder()
                  .addInterceptor { chain ->
                    chain.proceed(chain.request().newBuilder().header("X-App-Interceptor", "seen").build())
                  }
                  .build()
        })
    assertNull(OkHttpTransport.register(native))
    val registered = native.transport ?: throw AssertionError("register did not call setTransport")
    registered.send(
        31,
        "http://127.0.0.1:${server.address.port}/v1/logs",
        OtlpTestData.headerNames,
        arrayOf("application/x-protobuf", "gzip", "k"),
        OtlpTestData.gzippedTraceRequest("x"),
        10_000)
    assertEquals(204, native.takeCompletion().status)
    assertEquals("seen", seen.get())
  }

  private fun jdkServer(handler: (com.sun.net.httpserver.HttpExchange) -> Unit): HttpServer {
    val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    server.createContext("/") { exchange ->
      exchange.requestBody.use { it.readBytes() }
      handler(exchange)
    }
    server.start()
    closeables += AutoCloseable { server.stop(0) }
    return server
  }
}
