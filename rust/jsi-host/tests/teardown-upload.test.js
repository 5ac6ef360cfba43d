// harness: driver rust/jsi-host/tests/drivers/teardown-upload.js
// Tears the runtime down while an upload hangs on a backend that accepts and never answers:
// argv = [storageDir, endpoint]. The driver measures the teardown (it must stay prompt).
import { run, test } from './lib/check.js';

const S = globalThis.__otelSessions;
const [dir, endpoint] = __harness.argv;

test('records, starts an upload, and leaves while it hangs', async () => {
  S.init({ serviceName: 'teardown-upload', storageDir: dir, endpoint });
  for (let i = 0; i < 10; i++) S.recordEvent('before.teardown', { i });
  await S.flush(300).catch(() => {}); // on disk; the upload now waits on the silent backend
  console.log('UPLOADING');
});

run();
