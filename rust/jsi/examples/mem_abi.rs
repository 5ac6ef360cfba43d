use otel_sessions_jsi::*;
fn rss() -> i64 {
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
    let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let dir = std::env::temp_dir().join(format!("memabi-{}", std::process::id()));
    let cfg = format!(
        r#"{{"serviceName":"m","storageDir":"{}","endpoint":"http://127.0.0.1:9"}}"#,
        dir.display()
    );
    let mut h: *mut OtsHandle = std::ptr::null_mut();
    let mut err = OtsBuf {
        ptr: std::ptr::null_mut(),
        len: 0,
    };
    unsafe { assert_eq!(ots_init(cfg.as_ptr(), cfg.len(), &mut h, &mut err), 0) };
    let r0 = rss();
    let th = std::time::Instant::now();
    let mut i = 0;
    while i < n {
        let k = 128.min(n - i);
        let evs: Vec<String> = (0..k)
            .map(|j| format!(r#"["tap",{{"screen":"home","i":{}}},1800000000000]"#, i + j))
            .collect();
        let args = format!("[[{}],{}]", evs.join(","), k);
        let m = "recordEvents";
        let mut out = OtsBuf {
            ptr: std::ptr::null_mut(),
            len: 0,
        };
        unsafe {
            assert_eq!(
                ots_call(h, m.as_ptr(), m.len(), args.as_ptr(), args.len(), &mut out),
                0
            );
            ots_buf_free(out);
        }
        i += k;
    }
    eprintln!("hand-over {:?}", th.elapsed());
    let r1 = rss();
    let t0 = std::time::Instant::now();
    let m = "current";
    let mut out = OtsBuf {
        ptr: std::ptr::null_mut(),
        len: 0,
    };
    unsafe {
        ots_call(h, m.as_ptr(), m.len(), b"[]".as_ptr(), 2, &mut out);
        ots_buf_free(out);
    }
    eprintln!("worker caught up {:?} after the hand-over", t0.elapsed());
    let m = "end";
    let mut out = OtsBuf {
        ptr: std::ptr::null_mut(),
        len: 0,
    };
    unsafe {
        ots_call(h, m.as_ptr(), m.len(), b"[]".as_ptr(), 2, &mut out);
        ots_buf_free(out);
    }
    let m = "history";
    let mut out = OtsBuf {
        ptr: std::ptr::null_mut(),
        len: 0,
    };
    unsafe {
        ots_call(h, m.as_ptr(), m.len(), b"[]".as_ptr(), 2, &mut out);
        eprintln!(
            "{}",
            String::from_utf8_lossy(std::slice::from_raw_parts(out.ptr, out.len))
        );
        ots_buf_free(out);
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let r2 = rss();
    eprintln!(
        "{n} events: record +{} KiB, settled +{} KiB",
        r1 - r0,
        r2 - r0
    );
    unsafe { ots_release(h) };
    let _ = std::fs::remove_dir_all(&dir);
}
