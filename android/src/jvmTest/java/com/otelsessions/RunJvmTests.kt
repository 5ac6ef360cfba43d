package com.otelsessions

import kotlin.system.exitProcess
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

/**
 * Runs the JVM tests of the Android glue (scripts/native/android-kotlin.sh) and ends with the
 * line "N passed, N failed"; exits 1 if any failed.
 */
object RunJvmTests {
  private val classes =
      arrayOf(
          ForegroundTrackerTest::class.java,
          OtelSessionsModuleTest::class.java,
          OkHttpTransportTest::class.java,
          HostJniEndToEndTest::class.java)

  @JvmStatic
  fun main(args: Array<String>) {
    val core = JUnitCore()
    core.addListener(
        object : RunListener() {
          override fun testFailure(failure: Failure) {
            println("FAIL ${failure.description.displayName}\n${failure.trace}")
          }

          override fun testFinished(description: org.junit.runner.Description) {
            println("done ${description.className.substringAfterLast('.')}.${description.methodName}")
          }
        })
    val result = core.run(*classes)
    val failed = result.failureCount
    println("${result.runCount - failed} passed, $failed failed")
    exitProcess(if (failed == 0 && result.runCount > 0) 0 else 1)
  }
}
