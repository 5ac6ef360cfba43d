package com.otelsessions

import java.io.ByteArrayOutputStream
import java.util.zip.GZIPOutputStream

/** A real OTLP/HTTP protobuf body, encoded by hand (a few protobuf fields), for the transport tests. */
internal object OtlpTestData {
  /** An `ExportTraceServiceRequest` with one span named [spanName], gzip'd as the library sends it. */
  fun gzippedTraceRequest(spanName: String): ByteArray {
    val span =
        field(1, ByteArray(16) { (it + 1).toByte() }) + // trace_id
            field(2, ByteArray(8) { (it + 1).toByte() }) + // span_id
            field(5, spanName.toByteArray()) // name
    val scopeSpans = field(2, span)
    val resourceSpans = field(2, scopeSpans)
    val request = field(1, resourceSpans)
    val out = ByteArrayOutputStream()
    GZIPOutputStream(out).use { it.write(request) }
    return out.toByteArray()
  }

  /** The library's upload headers. */
  val headerNames = arrayOf("Content-Type", "Content-Encoding", "x-api-key")
  val headerValues = arrayOf("application/x-protobuf", "gzip", "secret ✓")

  /** A length-delimited protobuf field. */
  private fun field(number: Int, bytes: ByteArray): ByteArray = varint((number shl 3) or 2) + varint(bytes.size) + bytes

  private fun varint(value: Int): ByteArray {
    val out = ByteArrayOutputStream()
    var v = value
    while (v >= 0x80) {
      out.write((v and 0x7f) or 0x80)
      v = v ushr 7
    }
    out.write(v)
    return out.toByteArray()
  }
}
