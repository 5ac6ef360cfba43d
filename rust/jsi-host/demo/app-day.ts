// The demo's "app day", through the public TypeScript API in the Linux JSI host, with the real
// engine and telemetry. Two launches of one app: rust/jsi-host/demo/run.js starts the first,
// SIGKILLs it mid-session, then relaunches.
//
//   argv: <storageDir> <launch: first|second> <endpoint>
//
// Every step prints one `DEMO {json}` line (time, launch, kind, label, session) that run.js
// turns into the timeline; the second launch ends with `HISTORY [...]` (Sessions.history()).
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Sessions, type Session } from 'react-native-otel-sessions';
import { SessionSpanExporter, SessionSpanProcessor } from 'react-native-otel-sessions/opentelemetry';

type Harness = { argv: string[]; setAppState(s: 'active' | 'background'): void; exit(code: number): void };
const harness = (globalThis as unknown as { __harness: Harness }).__harness;
const [storageDir, launch, endpoint] = harness.argv as [string, 'first' | 'second', string];

const BACKGROUND_TIMEOUT_MS = 1200;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One step for the timeline; `records` is how many telemetry records it made. */
function step(kind: string, label: string, extra: Record<string, unknown> = {}) {
  let session: string | null = null;
  try {
    session = Sessions.current().id;
  } catch {
    // before init
  }
  console.log('DEMO ' + JSON.stringify({ t: Date.now(), launch, kind, label, session, ...extra }));
}

function event(name: string, attributes?: Record<string, string | number>) {
  Sessions.recordEvent(name, attributes);
  step('event', name + (attributes ? ' ' + JSON.stringify(attributes) : ''), { records: 1 });
}

Sessions.init({
  serviceName: 'demo-shop',
  serviceVersion: '1.4.2',
  storageDir,
  endpoint,
  backgroundTimeoutMs: BACKGROUND_TIMEOUT_MS,
  sessionAttributes: { 'app.flavor': 'demo' },
  // The second launch samples nothing but keeps recent records, exported if an error happens.
  ...(launch === 'second' ? { sampleRate: 0, errorSampling: { bufferSize: 50 } } : {}),
});
Sessions.subscribe((s: Session, previous: Session | null) => {
  if (previous && previous.id !== s.id) step('rotation', 'new session', { previous: previous.id });
});
const tracing = new BasicTracerProvider({
  spanProcessors: [new SessionSpanProcessor(), new BatchSpanProcessor(new SessionSpanExporter(), { scheduledDelayMillis: 100 })],
});
const tracer = tracing.getTracer('demo-shop', '1.4.2');

async function firstLaunch() {
  step('launch', 'app launched (sampleRate 1)');
  const start = tracer.startSpan('app.start');
  event('screen.view', { screen: 'home' });
  Sessions.setAttribute('app.screen', 'home');
  step('attribute', "setAttribute('app.screen', 'home')");
  start.end();
  step('span', 'JS span app.start', { records: 1 });
  await sleep(150);
  for (const sku of ['A-1', 'B-7', 'C-3']) {
    event('product.tap', { sku });
    await sleep(60);
  }
  Sessions.setUser('alice@example.com');
  step('user', "setUser('alice@example.com') → user.hash");
  const checkout = tracer.startSpan('checkout.load');
  const child = tracer.startSpan('GET /cart', {}, trace.setSpan(context.active(), checkout));
  await sleep(80);
  child.end();
  checkout.end();
  step('span', 'JS spans checkout.load > GET /cart', { records: 2 });

  harness.setAppState('background');
  step('background', `app to background for ${BACKGROUND_TIMEOUT_MS + 600} ms (timeout ${BACKGROUND_TIMEOUT_MS} ms)`);
  await sleep(BACKGROUND_TIMEOUT_MS + 600);
  harness.setAppState('active');
  step('foreground', 'app to foreground: the session had expired');
  event('screen.view', { screen: 'cart' });
  Sessions.setAttribute('cart.items', 2);
  step('attribute', "setAttribute('cart.items', 2)");
  await sleep(200);
  event('checkout.submit', { total: 42.5 });
  await sleep(150);
  Sessions.end();
  Sessions.setUser(null);
  step('end', 'Sessions.end(): sign-out');
  event('screen.view', { screen: 'login' });
  await tracing.forceFlush();
  await Sessions.flush(5000);
  step('kill-ready', 'flushed; still recording when the process is killed');
  for (;;) {
    event('scroll', { y: Math.round(Math.random() * 900) });
    await sleep(40);
  }
}

async function secondLaunch() {
  const previous = Sessions.history().at(-2);
  step('launch', `relaunched (sampleRate 0, errors sampled); last session ended by ${previous?.endReason ?? '?'}`);
  for (const screen of ['home', 'search', 'product']) {
    event('screen.view', { screen });
    await sleep(80);
  }
  Sessions.recordError(new Error('payment declined'), { screen: 'checkout' });
  step('error', "recordError('payment declined'): the session becomes sampled, with its held records", { records: 1 });
  event('support.open');
  await sleep(150);
  Sessions.end();
  step('end', 'Sessions.end()');
  for (const screen of ['home', 'settings']) {
    event('screen.view', { screen });
    await sleep(80);
  }
  harness.setAppState('background');
  step('background', 'app to background; flush');
  await tracing.forceFlush();
  await Sessions.flush(5000).catch((e: Error) => step('note', 'flush: ' + e.message));
  console.log('HISTORY ' + JSON.stringify(Sessions.history()));
  harness.exit(0);
}

(launch === 'first' ? firstLaunch() : secondLaunch()).catch((e: Error) => {
  console.error('demo failed: ' + (e.stack ?? e.message));
  harness.exit(1);
});
