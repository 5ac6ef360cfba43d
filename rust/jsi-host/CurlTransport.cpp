// The Linux JSI host's platform HTTP transport: libcurl behind the same C ABI the Android
// (OkHttp) and iOS (NSURLSession) glue implement (`ots_set_transport` / `ots_transport_complete`,
// contract in rust/jsi/include/otel_sessions.h). It only moves bytes: each request is copied
// during `send`, performed on a thread of its own, and answered with its status, Retry-After and
// body, or status 0 and libcurl's error text when no response arrived. TLS is libcurl's
// (OpenSSL, the system trust store).

#include "CurlTransport.h"

#include <curl/curl.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "otel_sessions.h"

namespace {

constexpr size_t kMaxResponseBytes = 4 * 1024 * 1024; // the library reads no more

struct Request {
  uint64_t id;
  std::string url;
  std::vector<std::string> headers; // "Name: value"
  std::string body;
  long timeoutMs;
};

struct Response {
  std::string body;
  std::string retryAfter;
};

size_t onBody(char *data, size_t size, size_t count, void *user) {
  auto *r = static_cast<Response *>(user);
  size_t n = size * count;
  size_t room = kMaxResponseBytes - std::min(kMaxResponseBytes, r->body.size());
  r->body.append(data, std::min(n, room));
  return n; // keep reading (and discard past the limit) so the connection ends cleanly
}

size_t onHeader(char *data, size_t size, size_t count, void *user) {
  auto *r = static_cast<Response *>(user);
  size_t n = size * count;
  std::string line(data, n);
  const char *name = "retry-after:";
  if (line.size() > std::strlen(name) && strncasecmp(line.c_str(), name, std::strlen(name)) == 0) {
    std::string value = line.substr(std::strlen(name));
    size_t b = value.find_first_not_of(" \t");
    size_t e = value.find_last_not_of(" \t\r\n");
    r->retryAfter = b == std::string::npos ? "" : value.substr(b, e - b + 1);
  }
  return n;
}

void perform(const Request &req) {
  Response resp;
  long status = 0;
  std::string error;
  CURL *curl = curl_easy_init();
  if (curl == nullptr) {
    error = "curl_easy_init failed";
  } else {
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_slist *headers = nullptr;
    for (const auto &h : req.headers) headers = curl_slist_append(headers, h.c_str());
    headers = curl_slist_append(headers, "Expect:"); // no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req.timeoutMs);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); // threads: no SIGALRM for timeouts
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    } else {
      error = errbuf[0] != 0 ? errbuf : curl_easy_strerror(rc);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
  }
  if (status == 0) {
    ots_transport_complete(req.id, 0, nullptr, 0, reinterpret_cast<const uint8_t *>(error.data()), error.size());
  } else {
    ots_transport_complete(req.id, static_cast<int32_t>(status),
                           reinterpret_cast<const uint8_t *>(resp.retryAfter.data()), resp.retryAfter.size(),
                           reinterpret_cast<const uint8_t *>(resp.body.data()), resp.body.size());
  }
}

std::string text(const uint8_t *p, size_t n) {
  return n == 0 ? std::string() : std::string(reinterpret_cast<const char *>(p), n);
}

void send(void *, const OtsHttpRequest *r) {
  // Copy now: the library's buffers are valid only during this call.
  Request req{r->id, text(r->url, r->url_len), {}, text(r->body, r->body_len), static_cast<long>(r->timeout_ms)};
  for (size_t i = 0; i < r->header_count; i++) {
    const OtsHttpHeader &h = r->headers[i];
    req.headers.push_back(text(h.name, h.name_len) + ": " + text(h.value, h.value_len));
  }
  try {
    std::thread([req = std::move(req)] { perform(req); }).detach();
  } catch (const std::exception &e) {
    std::string why = std::string("cannot start an HTTP thread: ") + e.what();
    ots_transport_complete(r->id, 0, nullptr, 0, reinterpret_cast<const uint8_t *>(why.data()), why.size());
  }
}

} // namespace

namespace otshost {

void installCurlTransport() {
  curl_global_init(CURL_GLOBAL_DEFAULT); // once, before any thread uses libcurl
  ots_set_transport(send, nullptr, nullptr);
}

} // namespace otshost
