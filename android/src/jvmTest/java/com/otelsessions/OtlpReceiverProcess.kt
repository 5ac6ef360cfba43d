package com.otelsessions

import java.io.File
import java.nio.file.Files

/**
 * The project's fault-injecting OTLP receiver (`rust/otlp-receiver`, program `otlp-receiver`) on
 * loopback, answering the first requests with [faults] (its `--fault` forms, e.g.
 * `503:retry-after=2`, `reset`, `delay=3000:ok`) and the rest normally. The program's path comes
 * from `-Dotelsessions.receiver` (scripts/native/android-kotlin.sh builds it).
 */
internal class OtlpReceiverProcess(vararg faults: String) : AutoCloseable {
  private val dir: File =
      Files.createTempDirectory(File(System.getProperty("otelsessions.tmp") ?: "/tmp").apply { mkdirs() }.toPath(), "receiver")
          .toFile()
  private val endpointFile = File(dir, "endpoint")
  private val outFile = File(dir, "out.json")
  private val logFile = File(dir, "log")
  private val process: Process

  /** `http://127.0.0.1:PORT`. */
  val endpoint: String

  init {
    val program =
        System.getProperty("otelsessions.receiver")
            ?: throw IllegalStateException(
                "-Dotelsessions.receiver=PATH (target/debug/otlp-receiver) is required; run scripts/native/android-kotlin.sh")
    val command = mutableListOf(program, "--endpoint-file", endpointFile.path, "--out", outFile.path)
    for (fault in faults) command += listOf("--fault", fault)
    process = ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile).start()
    val deadline = System.nanoTime() + 30_000_000_000L
    while (!endpointFile.exists() && process.isAlive && System.nanoTime() < deadline) Thread.sleep(10)
    if (!endpointFile.exists()) {
      process.destroy()
      throw IllegalStateException("otlp-receiver did not start: ${logFile.readText()}")
    }
    endpoint = endpointFile.readText().trim()
  }

  /** Waits (at most 20 s) until what the receiver decoded, as JSON, contains [text]. */
  fun awaitReceived(text: String): String {
    val deadline = System.nanoTime() + 20_000_000_000L
    var last = ""
    while (System.nanoTime() < deadline) {
      last = if (outFile.exists()) outFile.readText() else ""
      if (last.contains(text)) return last
      Thread.sleep(25)
    }
    throw AssertionError("the receiver never decoded '$text'; it has: $last")
  }

  override fun close() {
    process.destroy()
    process.waitFor()
    dir.deleteRecursively()
  }
}
