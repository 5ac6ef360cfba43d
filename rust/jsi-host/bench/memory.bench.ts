// Memory: resident set growth of the whole host process after recording many events with the
// OTLP receiver down (a closed port), so everything queues: bounded by the outbox caps.
// argv[0]: storage directory; argv[1]: events (default 1 000 000); argv[2]: 'baseline' runs the
// same loop, building the same attribute objects, without the library (what the JS engine's own
// heap grows by), so the library's share is the difference. Each figure is taken twice: as is,
// and after a full JavaScriptCore collection (what is retained, without garbage the engine has
// not collected yet); both runs are measured the same way.
import { Sessions } from 'react-native-otel-sessions';

type Harness = { argv: string[]; exit(code: number): void; readFile(path: string): string | undefined; gc(): void };
const harness = (globalThis as unknown as { __harness: Harness }).__harness;
const events = Number(harness.argv[1] || 1_000_000);

/** A figure of this process's /proc/self/status, in KiB (Linux): VmRSS, the resident set, by
 * default; RssAnon, its anonymous part (malloc'd memory, the JS heap, stacks), without the
 * file-backed pages (the engine's own code paged in, the journal's mapping). */
function rssKiB(field: 'VmRSS' | 'RssAnon' = 'VmRSS'): number {
  const status = harness.readFile('/proc/self/status') ?? '';
  const m = new RegExp(field + ':\\s+(\\d+) kB').exec(status);
  return m ? Number(m[1]) : NaN;
}

const baseline = harness.argv[2] === 'baseline';
let sink = 0;

async function main() {
  if (!baseline) {
    Sessions.init({ serviceName: 'bench', storageDir: harness.argv[0]!, endpoint: 'http://127.0.0.1:9' });
    // `init` returns before the native start ends; the first read waits for it, so the start's
    // own memory (threads, mappings, the pipeline) is in `before`, not in the recording's share.
    Sessions.current();
  }
  harness.gc();
  const before = rssKiB();
  const anonBefore = rssKiB('RssAnon');
  for (let i = 0; i < events; i++) {
    const attributes = { screen: 'home', i };
    if (baseline) sink += attributes.i;
    else Sessions.recordEvent('tap', attributes);
    if (i % 10_000 === 0) await new Promise((r) => setTimeout(r, 0)); // let the event loop breathe
  }
  const recorded = rssKiB();
  if (!baseline) await Sessions.flush(2000).catch(() => {}); // the receiver is down: this writes to disk and times out
  const after = rssKiB();
  const anonAfter = rssKiB('RssAnon');
  harness.gc();
  const afterGc = rssKiB();
  const suite = baseline ? 'memory-baseline' : 'memory';
  console.log('BENCH ' + JSON.stringify({ suite, events, rssBeforeKiB: before, rssAfterRecordingKiB: recorded, rssAfterFlushKiB: after, rssAfterGcKiB: afterGc, rssAnonBeforeKiB: anonBefore, rssAnonAfterFlushKiB: anonAfter, sink }));
  harness.exit(0);
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  harness.exit(1);
});
