use otel_sessions_engine::{AttributeValue, Engine};
use otel_sessions_telemetry::{
    Completion, HttpOutcome, HttpRequest, Telemetry, TelemetryConfig, Transport,
};
struct Down;
impl Transport for Down {
    fn send(&self, _: HttpRequest, d: Completion) {
        d.complete(HttpOutcome::Failed {
            reason: "down".into(),
        });
    }
}
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}
fn main() {
    let n: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
    let dir = std::env::temp_dir().join(format!("memprobe-{}", std::process::id()));
    let mut cfg = TelemetryConfig::new("m", &dir);
    cfg.endpoint = Some("http://127.0.0.1:9".into());
    cfg.transport = Some(std::sync::Arc::new(Down));
    let r0 = rss();
    let t = Telemetry::start(cfg, Engine::builder(&dir)).unwrap();
    let r1 = rss();
    for i in 0..n {
        t.record_event(
            "tap",
            &[
                ("screen".into(), AttributeValue::String("home".into())),
                ("i".into(), AttributeValue::Int(i as i64)),
            ],
        )
        .unwrap();
    }
    let r2 = rss();
    let t0 = std::time::Instant::now();
    t.write_to_disk();
    eprintln!("drain {:?}", t0.elapsed());
    let r3 = rss();
    eprintln!(
        "start +{} KiB, record +{} KiB, write +{} KiB; stats {:?}",
        r1 - r0,
        r2 - r1,
        r3 as i64 - r2 as i64,
        t.stats()
    );
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}
