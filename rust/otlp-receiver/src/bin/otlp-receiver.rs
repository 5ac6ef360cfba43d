//! The receiver as a program, for the JSI host tests and the demo:
//!
//! ```text
//! otlp-receiver --endpoint-file FILE --out FILE [--port N]
//! ```
//!
//! Listens on 127.0.0.1, writes its endpoint (`http://127.0.0.1:PORT`) to the endpoint file
//! once listening, and keeps the out file equal to everything received so far, as JSON
//! (`{"spans": [...], "logs": [...]}`, replaced atomically on every change). Runs until
//! killed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use otlp_receiver::{received_json, Receiver, ReceiverConfig};

struct Args {
    endpoint_file: PathBuf,
    out: PathBuf,
    port: u16,
}

fn parse_args() -> Result<Args, String> {
    let mut endpoint_file = None;
    let mut out = None;
    let mut port = 0;
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
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        endpoint_file: endpoint_file.ok_or("--endpoint-file is required")?,
        out: out.ok_or("--out is required")?,
        port,
    })
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("otlp-receiver: {e}\nusage: otlp-receiver --endpoint-file FILE --out FILE [--port N]");
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
    let result = write_atomically(&args.out, &received_json(&receiver.received()).to_string())
        .and_then(|_| write_atomically(&args.endpoint_file, &receiver.endpoint()));
    if let Err(e) = result {
        eprintln!("otlp-receiver: cannot write {}: {e}", args.out.display());
        return ExitCode::FAILURE;
    }
    let mut written = 0;
    loop {
        std::thread::sleep(Duration::from_millis(25));
        let received = receiver.received();
        let count = received.spans.len() + received.logs.len();
        if count != written {
            if let Err(e) = write_atomically(&args.out, &received_json(&received).to_string()) {
                eprintln!("otlp-receiver: cannot write {}: {e}", args.out.display());
                return ExitCode::FAILURE;
            }
            written = count;
        }
    }
}
