//! The receiver as a program, for the JSI host tests, the demo and the torture suite:
//!
//! ```text
//! otlp-receiver --endpoint-file FILE --out FILE [--port N] [--flap SEED [--calm-file FILE]]
//!               [--fault FAULT]...
//! ```
//!
//! Listens on 127.0.0.1, writes its endpoint (`http://127.0.0.1:PORT`) to the endpoint file
//! once listening, and keeps the out file equal to everything received so far, as JSON
//! (`{"spans": [...], "logs": [...]}`, replaced atomically on every change). Runs until
//! killed.
//!
//! `--flap SEED` makes it an unreliable backend: a schedule drawn from SEED cycles, in phases
//! of 0.2–1.5 s, through healthy, down (the port closed: connection refused), `503` with
//! `Retry-After: 1`, slow (0.3–2 s before the answer), connection resets, and `429` /
//! `502` / `504`. The out file then also has `"flap": {phase: count}` and `"requests":
//! {status: count, "items accepted": n}`. Once the calm file exists (`--calm-file`), the
//! receiver stays healthy (and listening) for good; once `<calm file>.sync` exists, it
//! writes the out file at once, removes the `.sync` file and writes `<calm file>.synced`.
//!
//! `--fault FAULT` (repeatable) scripts the answers to the first requests, in order, as
//! [`Fault::parse`] reads them (`503:retry-after=2`, `reset`, `delay=3000:ok`,
//! `partial=2:MESSAGE`, ...); later requests are answered normally. Not with `--flap`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use otlp_receiver::{received_json, Fault, Received, Receiver, ReceiverConfig};

struct Args {
    endpoint_file: PathBuf,
    out: PathBuf,
    port: u16,
    flap: Option<u64>,
    calm_file: Option<PathBuf>,
    faults: Vec<Fault>,
}

fn parse_args() -> Result<Args, String> {
    let mut endpoint_file = None;
    let mut out = None;
    let mut port = 0;
    let mut flap = None;
    let mut calm_file = None;
    let mut faults = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--endpoint-file" => endpoint_file = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--port" => {
                let v = value()?;
                port = v
                    .parse()
                    .map_err(|_| format!("--port {v}: expected a port number"))?;
            }
            "--flap" => {
                let v = value()?;
                flap = Some(
                    v.parse()
                        .map_err(|_| format!("--flap {v}: expected a number (the seed)"))?,
                );
            }
            "--calm-file" => calm_file = Some(PathBuf::from(value()?)),
            "--fault" => faults.push(Fault::parse(&value()?)?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if calm_file.is_some() && flap.is_none() {
        return Err("--calm-file goes with --flap".into());
    }
    if !faults.is_empty() && flap.is_some() {
        return Err("--fault does not go with --flap".into());
    }
    Ok(Args {
        endpoint_file: endpoint_file.ok_or("--endpoint-file is required")?,
        out: out.ok_or("--out is required")?,
        port,
        flap,
        calm_file,
        faults,
    })
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

/// xorshift64*: a small deterministic schedule from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The receiver, and in flap mode what earlier incarnations (before a "down") received.
struct Backend {
    current: Option<Receiver>,
    port: u16,
    earlier: Received,
    earlier_requests: Vec<otlp_receiver::ReceivedRequest>,
    phases: BTreeMap<&'static str, u64>,
}

impl Backend {
    fn received(&self) -> Received {
        let mut all = self.earlier.clone();
        if let Some(r) = &self.current {
            let now = r.received();
            all.spans.extend(now.spans);
            all.logs.extend(now.logs);
        }
        all
    }

    fn down(&mut self) {
        if let Some(r) = self.current.take() {
            // Refuse new requests and let the ones in flight (slow: at most 2 s) finish, so
            // that nothing is accepted between the harvest below and the stop.
            r.clear_faults();
            r.set_default(Fault::Reset);
            std::thread::sleep(Duration::from_millis(2100));
            self.earlier_requests.extend(r.requests());
            let got = r.received();
            self.earlier.spans.extend(got.spans);
            self.earlier.logs.extend(got.logs);
            r.stop();
        }
    }

    /// Listens again on the same port (retrying while the kernel still holds it).
    fn up(&mut self) -> std::io::Result<&Receiver> {
        if self.current.is_none() {
            let mut tries = 0;
            loop {
                match Receiver::start_with(ReceiverConfig::default().port(self.port)) {
                    Ok(r) => {
                        self.current = Some(r);
                        break;
                    }
                    Err(e) if tries < 200 => {
                        tries += 1;
                        let _ = e;
                        std::thread::sleep(Duration::from_millis(25));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(self.current.as_ref().expect("listening"))
    }

    /// Enters a new phase of the flap schedule.
    fn flap(&mut self, rng: &mut Rng) -> std::io::Result<()> {
        let phase = match rng.below(8) {
            0 | 1 => "healthy",
            2 => "down",
            3 => "503+retry-after",
            4 => "slow",
            5 => "reset",
            _ => "429/502/504",
        };
        *self.phases.entry(phase).or_default() += 1;
        if std::env::var_os("OTLP_RECEIVER_TRACE").is_some() {
            eprintln!(
                "otlp-receiver: {:?} phase {phase}",
                std::time::SystemTime::now()
            );
        }
        if phase == "down" {
            self.down();
            return Ok(());
        }
        let r = self.up()?;
        r.clear_faults();
        r.set_default(match phase {
            "healthy" => Fault::Ok,
            "503+retry-after" => Fault::StatusRetryAfter(503, "1".into()),
            "slow" => Fault::delayed(Duration::from_millis(300 + rng.below(1700)), Fault::Ok),
            "reset" => Fault::Reset,
            _ => Fault::Status([429, 502, 504][rng.below(3) as usize]),
        });
        Ok(())
    }
}

fn out_json(backend: &Backend, received: &Received) -> String {
    let mut v = received_json(received);
    if !backend.phases.is_empty() {
        if let serde_json::Value::Object(m) = &mut v {
            m.insert(
                "flap".into(),
                serde_json::to_value(&backend.phases).unwrap_or_default(),
            );
            let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
            let now = backend
                .current
                .as_ref()
                .map(|r| r.requests())
                .unwrap_or_default();
            for q in backend.earlier_requests.iter().chain(&now) {
                let key = if q.complete {
                    q.status.to_string()
                } else {
                    "no answer".into()
                };
                *statuses.entry(key).or_default() += 1;
                if q.complete && (200..300).contains(&q.status) {
                    *statuses.entry("items accepted".into()).or_default() += q.item_count as u64;
                }
            }
            m.insert(
                "requests".into(),
                serde_json::to_value(&statuses).unwrap_or_default(),
            );
        }
    }
    v.to_string()
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("otlp-receiver: {e}\nusage: otlp-receiver --endpoint-file FILE --out FILE [--port N] [--flap SEED [--calm-file FILE]] [--fault FAULT]...");
            return ExitCode::from(2);
        }
    };
    let receiver = match Receiver::start_with(ReceiverConfig::default().port(args.port)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "otlp-receiver: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    receiver.push_faults(args.faults.iter().cloned());
    let endpoint = receiver.endpoint();
    let mut backend = Backend {
        port: receiver.port(),
        current: Some(receiver),
        earlier: Received::default(),
        earlier_requests: Vec::new(),
        phases: BTreeMap::new(),
    };
    let result = write_atomically(&args.out, &out_json(&backend, &backend.received()))
        .and_then(|_| write_atomically(&args.endpoint_file, &endpoint));
    if let Err(e) = result {
        eprintln!("otlp-receiver: cannot write {}: {e}", args.out.display());
        return ExitCode::FAILURE;
    }
    let mut rng = args.flap.map(|seed| Rng(seed | 1));
    let mut phase_ends = Instant::now();
    let mut written = 0;
    // Rewriting a large file on every change would starve the machine: wait at least twice
    // as long as the last write took (at most a second).
    let mut last_write = (Instant::now(), Duration::ZERO);
    loop {
        std::thread::sleep(Duration::from_millis(25));
        if let Some(r) = rng.as_mut() {
            let calm = args.calm_file.as_ref().is_some_and(|f| f.exists());
            let step = if calm {
                backend.up().map(|rx| {
                    rx.clear_faults();
                    rx.set_default(Fault::Ok);
                })
            } else if Instant::now() >= phase_ends {
                phase_ends = Instant::now() + Duration::from_millis(200 + r.below(1300));
                backend.flap(r)
            } else {
                Ok(())
            };
            if let Err(e) = step {
                eprintln!(
                    "otlp-receiver: cannot listen again on port {}: {e}",
                    backend.port
                );
                return ExitCode::FAILURE;
            }
            if calm {
                rng = None;
            }
        }
        // `--calm-file F`: once `F.sync` exists, write everything now, then `F.synced` (the
        // number of items written): a reader then knows the out file is complete.
        let sync = args.calm_file.as_ref().map(|f| {
            let mut s = f.clone().into_os_string();
            s.push(".sync");
            PathBuf::from(s)
        });
        if let Some(sync) = sync.filter(|s| s.exists()) {
            let received = backend.received();
            let n = received.spans.len() + received.logs.len();
            let mut done = sync.clone().into_os_string();
            done.push("ed");
            let result = write_atomically(&args.out, &out_json(&backend, &received))
                .and_then(|_| std::fs::remove_file(&sync))
                .and_then(|_| write_atomically(Path::new(&done), &n.to_string()));
            if let Err(e) = result {
                eprintln!("otlp-receiver: cannot write {}: {e}", args.out.display());
                return ExitCode::FAILURE;
            }
            continue;
        }
        if last_write.0.elapsed() < (last_write.1 * 2).min(Duration::from_secs(1)) {
            continue;
        }
        let received = backend.received();
        let requests = backend.earlier_requests.len()
            + backend.current.as_ref().map_or(0, |r| r.requests().len());
        let count = received.spans.len() + received.logs.len() + requests;
        if count != written {
            let started = Instant::now();
            if let Err(e) = write_atomically(&args.out, &out_json(&backend, &received)) {
                eprintln!("otlp-receiver: cannot write {}: {e}", args.out.display());
                return ExitCode::FAILURE;
            }
            last_write = (Instant::now(), started.elapsed());
            written = count;
        }
    }
}
