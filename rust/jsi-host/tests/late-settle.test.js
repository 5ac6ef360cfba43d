// harness: driver rust/jsi-host/tests/drivers/late-settle.js
// Async calls still running when the runtime goes (the script exits at once): each flush waits
// for an endpoint that is down until its timeout, so they settle after the host's loop has
// ended, while the process lives on (the driver sets OTS_HOST_LINGER_MS, as an app lives on
// after a reload). Their results must be dropped, never posted into the ended loop.
const S = globalThis.__otelSessions;
S.init({ serviceName: 'late-settle', storageDir: __harness.argv[0], endpoint: 'http://127.0.0.1:9', consent: 'granted' });
S.current();
for (let i = 0; i < 50; i++) S.recordEvent('tap', { i });
for (let i = 0; i < 20; i++) S.flush(20 + 5 * i).catch(() => {});
__harness.exit(0);
