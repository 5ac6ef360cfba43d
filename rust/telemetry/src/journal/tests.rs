use super::entry::{self, Kind, Stamp};
use super::*;

const SEG: usize = 4096;

fn open(dir: &Path, max: u64) -> (Journal, Recovered) {
    let mut res = Vec::new();
    entry::encode_resource(&mut res, "schema", b"resource");
    Journal::open(dir, SEG, max, res).unwrap()
}

fn record(session: &[u8; 32], seq: u64, body: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    entry::encode_record(
        &mut p,
        Kind::Log,
        &Stamp {
            session: *session,
            seq,
        },
        b"scope",
        "",
        body,
    );
    p
}

const A: &[u8; 32] = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &[u8; 32] = b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// Every record entry from the cursor on, in order: (session, seq).
fn unexported(j: &Journal) -> Vec<(u8, u64)> {
    let mut out = Vec::new();
    let mut at = j.cursor();
    if j.view(at.segment).unwrap().is_none() {
        // No segment yet at the cursor (a fresh journal): the exporter moves to the next one.
        match j.next_segment(at.segment) {
            Some(n) => at.segment = n,
            None => return out,
        }
    }
    while let Some(view) = j.view(at.segment).unwrap() {
        let bytes = view.bytes();
        let mut off = at.offset;
        while off < bytes.len() {
            match entry::read(&bytes[off..]) {
                Read::Entry(Entry::Record { stamp, .. }, len) => {
                    out.push((stamp.session[0], stamp.seq));
                    off += len;
                }
                Read::Entry(_, len) => off += len,
                _ => break,
            }
        }
        match j.next_segment(at.segment) {
            Some(n) => {
                at = Position {
                    segment: n,
                    offset: HEADER_BYTES,
                }
            }
            None => break,
        }
    }
    out
}

#[test]
fn records_survive_a_reopen_and_their_highest_numbers_are_recovered() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (j, r) = open(dir.path(), 1 << 20);
        assert!(r.counts.is_empty());
        for seq in 1..=100 {
            j.append(&record(A, seq, &[7; 100])).unwrap();
        }
        j.append(&record(B, 3, b"x")).unwrap();
        assert!(
            j.stats.segments_created.load(Ordering::Relaxed) > 1,
            "rolled over segments"
        );
        // Dropped without any shutdown: as after a kill.
    }
    let (j, r) = open(dir.path(), 1 << 20);
    assert_eq!(r.counts.get(A), Some(&100));
    assert_eq!(r.counts.get(B), Some(&3));
    let seen = unexported(&j);
    assert_eq!(seen.len(), 101);
    assert_eq!(
        seen[..100],
        (1..=100).map(|s| (b'a', s)).collect::<Vec<_>>()[..]
    );
    j.append(&record(A, 101, b"new")).unwrap();
    assert_eq!(
        unexported(&j).last(),
        Some(&(b'a', 101)),
        "a new launch appends in a new segment"
    );
}

#[test]
fn a_torn_tail_at_any_byte_ends_its_segment_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = open(dir.path(), 1 << 20);
    for seq in 1..=5 {
        j.append(&record(A, seq, b"payload")).unwrap();
    }
    drop(j);
    let seg_path = dir.path().join(segment::file_name(1));
    let pristine = fs::read(&seg_path).unwrap();
    let last = {
        let p = record(A, 5, b"payload");
        entry::HEADER + p.len()
    };
    let end = pristine.iter().rposition(|b| *b != 0).unwrap() + 1;
    let last_start = end - last;
    for cut in last_start + 1..end {
        // The last entry written only up to `cut` (the rest never reached the page cache),
        // with its length already in place: what a power loss can leave.
        let mut torn = pristine.clone();
        for b in &mut torn[cut..end] {
            *b = 0;
        }
        fs::write(&seg_path, &torn).unwrap();
        let _ = fs::remove_file(dir.path().join("cursor"));
        let (j, r) = open(dir.path(), 1 << 20);
        assert_eq!(
            r.counts.get(A),
            Some(&4),
            "cut at {cut}: the torn record is not counted"
        );
        assert_eq!(
            j.stats.torn_tails.load(Ordering::Relaxed),
            1,
            "cut at {cut}"
        );
        assert_eq!(unexported(&j).len(), 4, "cut at {cut}");
        drop(j);
        // Only segment 1 may exist for the next round.
        for e in fs::read_dir(dir.path()).unwrap() {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            if segment::parse_name(&n).is_some_and(|n| n != 1) {
                fs::remove_file(dir.path().join(n)).unwrap();
            }
        }
    }
    // Garbage instead of a header: the segment is dropped and counted, nothing crashes.
    fs::write(&seg_path, vec![0xa5; 300]).unwrap();
    let (j, r) = open(dir.path(), 1 << 20);
    assert!(r.counts.is_empty());
    assert_eq!(j.stats.damaged_segments.load(Ordering::Relaxed), 1);
    assert!(!seg_path.exists());
}

#[test]
fn the_byte_bound_refuses_appends_until_the_exporter_frees_segments() {
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = open(dir.path(), 4 * SEG as u64); // three segments, and one in reserve
    let mut written = 0;
    let mut full = false;
    for seq in 1..=10_000 {
        match j.append(&record(A, seq, &[1; 200])) {
            Ok(_) => written += 1,
            Err(Full) => {
                full = true;
                break;
            }
        }
        assert!(j.total_bytes() <= 3 * SEG as u64);
    }
    assert!(full && written > 10, "{written} written before the bound");
    assert_eq!(j.stats.full.load(Ordering::Relaxed), 1);
    assert!(
        j.append_reserved(&record(A, 0, b"session.end")).is_ok(),
        "the reserve takes session events"
    );
    assert!(j.total_bytes() <= 4 * SEG as u64);
    // The exporter consumed the first two segments: room again.
    let third = j.next_segment(j.next_segment(1).unwrap()).unwrap();
    j.advance(Position {
        segment: third,
        offset: HEADER_BYTES,
    });
    assert!(!dir.path().join(segment::file_name(1)).exists());
    assert!(j.append(&record(A, 99_999, &[1; 200])).is_ok());
}

#[test]
fn an_event_batch_is_pending_until_done_and_recovered_if_never_done() {
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = open(dir.path(), 1 << 20);
    let mut p = Vec::new();
    entry::encode_events(&mut p, A, 10, 3, b"[1,2,3]");
    let first = j.append_events(&p).unwrap();
    entry::encode_events(&mut p, B, 1, 2, b"[4,5]");
    let second = j.append_events(&p).unwrap();
    assert!(j.is_pending(first) && j.is_pending(second));
    entry::encode_events_done(&mut p, first.segment, first.offset as u32);
    j.append(&p).unwrap();
    j.events_done(first);
    assert!(!j.is_pending(first));
    drop(j);
    let (j, r) = open(dir.path(), 1 << 20);
    assert_eq!(r.batches.len(), 1, "only the batch never done");
    assert_eq!((r.batches[0].first_seq, r.batches[0].count), (1, 2));
    assert_eq!(
        j.with_events(r.batches[0].at, |json| json.to_vec()),
        Ok(Some(b"[4,5]".to_vec())),
        "the batch's bytes are read back from the journal"
    );
    assert_eq!(
        r.counts.get(A),
        Some(&12),
        "a batch's numbers count as journaled"
    );
    assert!(
        j.is_pending(second),
        "still pending until recorded in this launch"
    );
}

#[test]
fn discarding_deletes_what_came_before_and_keeps_what_came_after() {
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = open(dir.path(), 1 << 20);
    for seq in 1..=50 {
        j.append(&record(A, seq, &[3; 100])).unwrap();
    }
    let end = j.end();
    j.append(&record(B, 1, b"after")).unwrap();
    j.discard_until(end);
    assert_eq!(unexported(&j), vec![(b'b', 1)]);
    assert!(
        j.total_bytes() <= 2 * SEG as u64,
        "the segments before are gone"
    );
    drop(j);
    let (_, r) = open(dir.path(), 1 << 20);
    assert_eq!(
        r.counts.len(),
        1,
        "nothing of the purged records comes back"
    );
}

/// The journal directory's file names, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "cursor")
        .collect();
    v.sort();
    v
}

#[test]
fn a_spare_segment_becomes_the_next_one_in_order_and_counts_in_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = open(dir.path(), 1 << 20);
    j.prepare_spare();
    assert_eq!(names(dir.path()), vec![segment::file_name(1)]);
    assert_eq!(j.total_bytes(), SEG as u64, "the spare's bytes count");
    let before = j.end();
    let mut seq = 0;
    // Segment 1 (the spare) fills, the roll makes 2 itself; a spare made then becomes 3.
    while j.stats.segments_created.load(Ordering::Relaxed) < 2 {
        seq += 1;
        j.append(&record(A, seq, &[5; 150])).unwrap();
    }
    j.prepare_spare();
    while j.stats.segments_created.load(Ordering::Relaxed) < 3 {
        seq += 1;
        j.append(&record(A, seq, &[5; 150])).unwrap();
    }
    assert_eq!(
        before,
        Position {
            segment: 1,
            offset: HEADER_BYTES
        },
        "the end named the spare's number before it was used"
    );
    assert_eq!(
        names(dir.path()),
        (1..=3).map(segment::file_name).collect::<Vec<_>>()
    );
    assert_eq!(
        unexported(&j),
        (1..=seq).map(|s| (b'a', s)).collect::<Vec<_>>(),
        "every record once, in order, across the spares"
    );
    for n in 1..=3 {
        let view = j.view(n).unwrap().unwrap();
        assert!(
            matches!(
                entry::read(&view.bytes()[HEADER_BYTES..]),
                Read::Entry(Entry::Resource { .. }, _)
            ),
            "segment {n} starts with the resource"
        );
    }
    drop(j);
    let (_, r) = open(dir.path(), 1 << 20);
    assert_eq!(r.counts.get(A), Some(&seq));
}

#[test]
fn no_spare_is_made_past_the_bound_or_after_close_and_none_survives_either() {
    let dir = tempfile::tempdir().unwrap();
    // Room for the active segment and the reserve only: a spare would eat the reserve.
    let (j, _) = open(dir.path(), 2 * SEG as u64);
    j.append(&record(A, 1, b"x")).unwrap();
    j.prepare_spare();
    assert_eq!(names(dir.path()), vec![segment::file_name(1)]);
    assert_eq!(j.total_bytes(), SEG as u64);
    drop(j);

    let dir = tempfile::tempdir().unwrap();
    let (j, _) = open(dir.path(), 1 << 20);
    j.prepare_spare();
    j.close();
    assert!(names(dir.path()).is_empty(), "close deletes the spare");
    assert_eq!(j.total_bytes(), 0);
    j.prepare_spare();
    assert!(names(dir.path()).is_empty(), "none after close");
    // A record still goes in (the owner's last words), in a segment made by the roll.
    j.append(&record(A, 1, b"x")).unwrap();
    drop(j);

    // A spare being prepared at a kill is deleted at the next open.
    fs::write(dir.path().join(segment::spare_name(9)), [0; 100]).unwrap();
    let (j, r) = open(dir.path(), 1 << 20);
    assert_eq!(names(dir.path()), vec![segment::file_name(1)]);
    assert_eq!(r.counts.get(A), Some(&1));
    assert_eq!(j.stats.damaged_segments.load(Ordering::Relaxed), 0);
}

/// A small record, a spare made, then a record larger than the spare: the roll deletes the
/// spare and makes a segment of its number itself.
fn larger_than_the_spare(dir: &Path) -> Journal {
    let (j, _) = open(dir, 1 << 20);
    j.append(&record(A, 1, b"small")).unwrap();
    j.prepare_spare();
    j.append(&record(A, 2, &[9; 3 * SEG])).unwrap();
    j
}

#[test]
fn a_record_larger_than_the_spare_gets_a_segment_of_its_own_under_the_spares_number() {
    let dir = tempfile::tempdir().unwrap();
    let j = larger_than_the_spare(dir.path());
    j.append(&record(A, 3, b"small")).unwrap();
    assert_eq!(
        unexported(&j),
        vec![(b'a', 1), (b'a', 2), (b'a', 3)],
        "in order"
    );
    assert_eq!(names(dir.path()).len(), 3, "1, 2 (the large one), 3");
    assert!(
        fs::metadata(dir.path().join(segment::file_name(2)))
            .unwrap()
            .len()
            > 3 * SEG as u64
    );
}

/// Sizes of the segment files on disk, by number.
fn segment_sizes(dir: &Path) -> Vec<u64> {
    names(dir)
        .iter()
        .filter(|n| segment::parse_name(n).is_some())
        .map(|n| fs::metadata(dir.join(n)).unwrap().len())
        .collect()
}

/// Appends records of A (numbered on from `seq`) until `n` segments have been made.
fn append_until_segments(j: &Journal, n: u64, seq: &mut u64) {
    while j.stats.segments_created.load(Ordering::Relaxed) < n {
        *seq += 1;
        j.append(&record(A, *seq, &[3; 100])).unwrap();
    }
}

#[test]
fn segments_grow_while_the_exporter_is_behind_and_shrink_once_it_catches_up() {
    let dir = tempfile::tempdir().unwrap();
    // A cap of 1 MiB: segments grow to a sixteenth of it, 64 KiB (16 segment sizes).
    let max = 1 << 20;
    let (j, _) = open(dir.path(), max);
    let mut seq = 0;
    // At an app's pace the exporter reads the active segment when it fills: a roll without a
    // spare then makes a segment of the usual size.
    for n in 1..=3 {
        append_until_segments(&j, n, &mut seq);
        j.advance(j.end());
    }
    assert_eq!(
        segment_sizes(dir.path()),
        vec![SEG as u64],
        "none grew: {seq}"
    );
    // A flood: the exporter stays behind (in segment 3) and makes no spare. Each roll from a
    // segment after the exporter's doubles the size, up to a sixteenth of the cap.
    let start = seq;
    append_until_segments(&j, 9, &mut seq);
    let sizes = segment_sizes(dir.path());
    assert_eq!(
        sizes,
        [1, 1, 2, 4, 8, 16, 16].map(|k| k * SEG as u64).to_vec(),
        "segments 3 to 9"
    );
    assert_eq!(j.total_bytes(), sizes.iter().sum::<u64>());
    assert!(j.total_bytes() <= max);
    assert_eq!(
        unexported(&j),
        (start + 1..=seq).map(|s| (b'a', s)).collect::<Vec<_>>(),
        "every record of the flood once, in order"
    );
    // The exporter catches up: a spare of the usual size is made, and the large active segment
    // is sealed, so the next record goes to the spare.
    let active = j.end().segment;
    assert_eq!(active, 9);
    j.advance(j.end());
    j.prepare_spare();
    seq += 1;
    let at = j.append(&record(A, seq, b"after")).unwrap();
    assert_eq!(at.segment, 10, "the next record starts a new segment");
    assert_eq!(j.stats.spares_used.load(Ordering::Relaxed), 1);
    assert_eq!(segment_sizes(dir.path()), vec![16 * SEG as u64, SEG as u64]);
    // Back at an app's pace, segments made after it are of the usual size.
    for n in 11..=12 {
        j.advance(j.end());
        append_until_segments(&j, n, &mut seq);
    }
    assert_eq!(segment_sizes(dir.path()), vec![SEG as u64; 2]);
    drop(j);
    let (_, r) = open(dir.path(), max);
    assert_eq!(
        r.counts.get(A),
        Some(&seq),
        "what was journaled is recovered"
    );
}

#[test]
fn segments_grow_only_while_the_disk_has_room_for_eight_and_each_new_segment_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = open(dir.path(), 1 << 20);
    let mut seq = 0;
    for n in 1..=3 {
        append_until_segments(&j, n, &mut seq);
        j.advance(j.end());
    }
    // A flood with the exporter behind in segment 3, on a disk last read with room for eight
    // segments of twice the size and one of the usual size. Segment 4 is of the usual size (the
    // exporter is not yet a whole segment behind) and leaves exactly room for eight doubled
    // ones: segment 5 grows. After it, the rolls' own segments have taken the room below
    // eight of any grown size, and without a new reading none grows again.
    let seg = SEG as u64;
    j.disk_room.set_reading(8 * 2 * seg + seg);
    append_until_segments(&j, 8, &mut seq);
    assert_eq!(
        segment_sizes(dir.path()),
        [1, 1, 2, 1, 1, 1].map(|k| k * seg).to_vec(),
        "segments 3 to 8"
    );
    // With room read again, the flood's segments grow again.
    j.disk_room.set_reading(1 << 40);
    append_until_segments(&j, 10, &mut seq);
    assert_eq!(
        segment_sizes(dir.path())[6..],
        [2 * seg, 4 * seg],
        "segments 9 and 10"
    );
}

#[test]
fn near_the_bound_segments_stop_growing_rather_than_refuse_records() {
    let dir = tempfile::tempdir().unwrap();
    // Segments grow to a sixteenth of it, 64 KiB; a bound that is no sum of grown segments.
    let max = (1 << 20) + 40 * 1024;
    let (j, _) = open(dir.path(), max);
    let mut seq = 0;
    // A flood with no exporter: segments grow, then the bound refuses a record.
    let payload = |seq| record(A, seq, &[4; 100]);
    while j.append(&payload(seq + 1)).is_ok() {
        seq += 1;
    }
    assert!(
        segment_sizes(dir.path()).contains(&(max / 16)),
        "segments grew"
    );
    // Refused only when not even a segment of the usual size fits, less the reserve (one).
    assert!(
        j.total_bytes() + 2 * SEG as u64 > max,
        "refused at {} bytes of {max}",
        j.total_bytes()
    );
    assert!(j.total_bytes() <= max);
    assert_eq!(
        unexported(&j).len() as u64,
        seq,
        "every record accepted is there"
    );
}

/// Appends records of `body_len` bytes until `j` has made `n` segments in all; how many.
fn fill_until_segments(j: &Journal, n: u64, body_len: usize) -> u64 {
    let payload = record(A, 1, &vec![7; body_len]);
    let mut appended = 0;
    while j.stats.segments_created.load(Ordering::Relaxed) < n {
        j.append(&payload).unwrap();
        appended += 1;
    }
    appended
}

#[cfg(target_os = "linux")]
#[test]
fn spares_and_the_rest_of_a_rolled_segment_are_mapped_in_so_filling_them_takes_no_page_fault() {
    use otel_sessions_test_support::thread_page_faults;
    // qemu-user takes the advice as a hint and ignores it.
    if otel_sessions_test_support::skip_when_emulated("qemu-user ignores MADV_POPULATE_WRITE") {
        return;
    }
    const BIG: usize = 64 * 1024; // 16 pages of 4 KiB
    let dir = tempfile::tempdir().unwrap();
    let mut res = Vec::new();
    entry::encode_resource(&mut res, "schema", b"resource");
    let (j, _) = Journal::open(dir.path(), BIG, 1 << 24, res).unwrap();
    let payload = record(A, 1, &[7; 200]);
    // Segment 1, made by the first append's roll (no spare): its pages fault as they fill.
    // This shows that the count sees the faults at all.
    j.append(&payload).unwrap();
    let f0 = thread_page_faults();
    for _ in 0..BIG / 2 / payload.len() {
        j.append(&payload).unwrap();
    }
    let made_by_the_roll = thread_page_faults() - f0;
    assert!(
        made_by_the_roll >= 4,
        "{made_by_the_roll} faults filling half of a segment the roll made"
    );
    // The exporter's call makes a spare, and maps in the rest of segment 1 (a recording
    // thread made it): a quarter more of it fills without a fault.
    j.prepare_spare();
    let f0 = thread_page_faults();
    for _ in 0..BIG / 4 / payload.len() {
        j.append(&payload).unwrap();
    }
    let rest = thread_page_faults() - f0;
    assert_eq!(j.stats.segments_created.load(Ordering::Relaxed), 1);
    assert_eq!(
        rest, 0,
        "faults filling the rest of the segment the roll made"
    );
    // Segment 2, the spare: the roll swaps it in (counted apart: the roll allocates), then
    // filling all of it takes no fault.
    fill_until_segments(&j, 2, 200);
    let f0 = thread_page_faults();
    let fits = (BIG - HEADER_BYTES - 1024) / (entry::HEADER + payload.len());
    for _ in 0..fits {
        j.append(&payload).unwrap();
    }
    let faults = thread_page_faults() - f0;
    assert_eq!(j.stats.segments_created.load(Ordering::Relaxed), 2);
    assert_eq!(j.stats.spares_used.load(Ordering::Relaxed), 1);
    assert_eq!(faults, 0, "faults filling the spare ({fits} records)");
}

/// The segment files this process has mapped, by /proc/self/maps.
#[cfg(target_os = "linux")]
fn mapped_segments(dir: &Path) -> Vec<String> {
    let maps = fs::read_to_string("/proc/self/maps").unwrap();
    let dir = dir.to_str().unwrap();
    let mut out: Vec<String> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|p| p.starts_with(dir))
        .map(|p| p.rsplit('/').next().unwrap().to_owned())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_segment_is_unmapped_by_the_exporters_call_not_by_the_roll() {
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = open(dir.path(), 1 << 24);
    fill_until_segments(&j, 2, 150);
    assert_eq!(
        mapped_segments(dir.path()),
        vec![segment::file_name(1), segment::file_name(2)],
        "segment 1 stays mapped after the roll"
    );
    j.prepare_spare();
    assert_eq!(
        mapped_segments(dir.path()),
        vec![segment::file_name(2), segment::file_name(3)],
        "the exporter's call unmapped segment 1 (and mapped its spare, 3)"
    );
    // An exporter that does not call: the writer keeps at most RETIRED_MAX of them.
    fill_until_segments(&j, 3 + RETIRED_MAX as u64 + 3, 150);
    let mapped = mapped_segments(dir.path()).len();
    assert_eq!(mapped, RETIRED_MAX + 1, "the left ones and the active one");
    drop(j);
    assert!(
        mapped_segments(dir.path()).is_empty(),
        "all unmapped with the journal"
    );
}

/// Mappings of files in `dir` that are deleted (their lines in /proc/self/maps end so).
#[cfg(target_os = "linux")]
fn deleted_mappings(dir: &Path) -> usize {
    let maps = fs::read_to_string("/proc/self/maps").unwrap();
    let dir = dir.to_str().unwrap();
    maps.lines()
        .filter(|l| l.contains(dir) && l.ends_with("(deleted)"))
        .count()
}

#[cfg(target_os = "linux")]
#[test]
fn a_spare_deleted_by_a_roll_is_unmapped_by_the_exporter_and_a_released_one_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // The roll deletes the spare under the writer's lock, on the recording thread.
    let j = larger_than_the_spare(dir.path());
    assert_eq!(
        deleted_mappings(dir.path()),
        1,
        "not unmapped by the recording thread: all its pages are in"
    );
    j.prepare_spare(); // the exporter's round
    assert_eq!(deleted_mappings(dir.path()), 0);
    // The outbox could not write: the spare is released, its blocks back at once.
    assert!(
        mapped_segments(dir.path()).contains(&segment::file_name(3)),
        "a spare"
    );
    j.release_spare();
    assert!(!dir.path().join(segment::file_name(3)).exists());
    assert_eq!(deleted_mappings(dir.path()), 0);
    assert!(!mapped_segments(dir.path()).contains(&segment::file_name(3)));
}

/// Runs `f` on another thread and fails if it does not return within 10 s (a hang).
fn within_10s<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what} did not return within 10 s"))
}

#[test]
fn odd_files_in_place_of_segments_are_damage_and_never_block() {
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = open(dir.path(), 1 << 20);
    j.append(&record(A, 1, b"kept")).unwrap();
    drop(j);
    // A FIFO (opening it for reading would wait for a writer), a directory and an empty file,
    // each under a segment's name, beside the real segment 1.
    let name = |n| dir.path().join(segment::file_name(n));
    let fifo = std::ffi::CString::new(name(2).to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    fs::create_dir(name(3)).unwrap();
    fs::write(name(4), b"").unwrap();
    let path = dir.path().to_path_buf();
    let (j, r) = within_10s("opening the journal", move || open(&path, 1 << 20));
    assert_eq!(j.stats.damaged_segments.load(Ordering::Relaxed), 3);
    assert_eq!(j.stats.unreadable.load(Ordering::Relaxed), 0);
    assert_eq!(r.counts.get(A), Some(&1), "the real segment is read");
    assert!(!name(2).exists() && !name(4).exists(), "deleted");
    assert!(name(3).is_dir(), "a directory is left alone");
    // New segments are numbered past every name found: the directory's is never met again.
    j.append(&record(A, 2, &[7; SEG])).unwrap();
    assert!(name(5).exists(), "{:?}", names(dir.path()));
    assert_eq!(unexported(&j), vec![(b'a', 1), (b'a', 2)]);
}

#[test]
fn an_odd_file_in_the_cursors_place_is_replaced_and_the_cursor_is_saved_again() {
    for odd in ["fifo", "directory"] {
        let dir = tempfile::tempdir().unwrap();
        let (j, _) = open(dir.path(), 1 << 20);
        j.append(&record(A, 1, b"one")).unwrap();
        j.append(&record(A, 2, b"two")).unwrap();
        drop(j);
        let cursor = dir.path().join("cursor");
        fs::remove_file(&cursor).unwrap();
        if odd == "fifo" {
            // Opened for reading and writing it does not block on Linux, but it reads and
            // writes nothing: the cursor would never be saved.
            let c = std::ffi::CString::new(cursor.to_str().unwrap()).unwrap();
            // SAFETY: a NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        } else {
            // It cannot be opened as a file at all: the journal would not open.
            fs::create_dir(&cursor).unwrap();
            fs::write(cursor.join("inside"), b"x").unwrap();
        }
        let path = dir.path().to_path_buf();
        let (j, r) = within_10s("opening the journal", move || open(&path, 1 << 20));
        assert_eq!(j.stats.damaged_segments.load(Ordering::Relaxed), 1, "{odd}");
        assert_eq!(r.counts.get(A), Some(&2), "{odd}: the records are kept");
        assert_eq!(unexported(&j), vec![(b'a', 1), (b'a', 2)], "{odd}");
        assert!(cursor.is_file(), "{odd}: a regular cursor in its place");
        // The exporter moves on; the next launch starts where it stopped.
        j.advance(j.end());
        drop(j);
        let (j, _) = open(dir.path(), 1 << 20);
        assert_eq!(unexported(&j), vec![], "{odd}: the cursor was saved");
        assert_eq!(j.stats.damaged_segments.load(Ordering::Relaxed), 0, "{odd}");
    }
}

/// A journal holding an event batch in segment 1, then a record that rolls to segment 2; the
/// batch's position.
fn batch_then_roll(dir: &Path) -> (Journal, Position) {
    let (j, _) = open(dir, 1 << 20);
    let mut p = Vec::new();
    entry::encode_events(&mut p, A, 1, 2, b"[1,2]");
    let batch = j.append_events(&p).unwrap();
    j.append(&record(A, 3, &[7; SEG])).unwrap(); // rolls: segment 1 is left
    (j, batch)
}

#[test]
fn a_segment_just_left_is_read_through_the_writers_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let (j, batch) = batch_then_roll(dir.path());
    let seg1 = dir.path().join(segment::file_name(1));
    let put_back = otel_sessions_test_support::unopenable(&seg1);
    // The event worker reads the batch back, and the exporter the records, without opening
    // the file (which fails now).
    let read = j.with_events(batch, |json| json.to_vec());
    assert_eq!(unexported(&j), vec![(b'a', 3)], "the batch is no record");
    j.prepare_spare(); // the exporter's call unmaps it: from now on the file is opened
    let after = j.view(1).map(|v| v.is_some());
    put_back();
    assert_eq!(read, Ok(Some(b"[1,2]".to_vec())));
    assert_eq!(after, Err(NotNow), "read from the file once unmapped");
    assert_eq!(
        j.with_events(batch, |json| json.to_vec()),
        Ok(Some(b"[1,2]".to_vec()))
    );
}

#[cfg(target_os = "linux")]
#[test]
fn an_old_segment_stays_mapped_for_the_next_reads_until_it_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = open(dir.path(), 1 << 24);
    fill_until_segments(&j, 5, 150);
    j.prepare_spare(); // unmaps the segments left: from now on they are opened to be read
    let name = |n: u64| segment::file_name(n);
    let old = || {
        mapped_segments(dir.path())
            .into_iter()
            .filter(|f| [name(1), name(2), name(3)].contains(f))
            .collect::<Vec<_>>()
    };
    assert!(old().is_empty(), "{:?}", mapped_segments(dir.path()));
    assert!(j.view(1).unwrap().is_some());
    // Read again, it is not opened again: it stays readable while its file will not open.
    let seg1 = dir.path().join(name(1));
    let put_back = otel_sessions_test_support::unopenable(&seg1);
    let again = j.view(1).map(|v| v.map(|v| v.bytes().len()));
    put_back();
    assert!(
        matches!(again, Ok(Some(n)) if n > HEADER_BYTES),
        "read through the mapping kept"
    );
    assert_eq!(old(), vec![name(1)]);
    // At most OPENED_MAX are kept (the exporter's and the event worker's): the oldest goes.
    assert!(j.view(2).unwrap().is_some());
    assert!(j.view(3).unwrap().is_some());
    assert_eq!(old(), vec![name(2), name(3)]);
    // Deleted (the exporter has passed it): unmapped at once, its disk space given back.
    j.advance(Position {
        segment: 3,
        offset: HEADER_BYTES,
    });
    assert_eq!(old(), vec![name(3)]);
    assert!(j.view(2).unwrap().is_none());
    drop(j);
    assert!(mapped_segments(dir.path()).is_empty());
}

#[test]
fn a_batch_whose_segment_will_not_open_is_not_now_rather_than_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (j, batch) = batch_then_roll(dir.path());
    j.prepare_spare(); // unmaps segment 1
    let seg1 = dir.path().join(segment::file_name(1));
    let put_back = otel_sessions_test_support::unopenable(&seg1);
    let read = j.with_events(batch, |json| json.to_vec());
    put_back();
    assert_eq!(read, Err(NotNow), "the caller counts the batch as dropped");
    assert_eq!(
        j.with_events(batch, |json| json.to_vec()),
        Ok(Some(b"[1,2]".to_vec()))
    );
}

const ENV_CHILD_DIR: &str = "OTEL_SESSIONS_JOURNAL_CHILD_DIR";

#[test]
fn an_earlier_segment_the_system_cannot_open_now_is_kept_and_read_later() {
    // Run in a child process: it lowers the process's open-file limit, which would make any
    // test running beside it in this process fail.
    let dir = tempfile::tempdir().unwrap();
    let out = otel_sessions_test_support::child("journal::tests::child_unreadable_segment")
        .env(ENV_CHILD_DIR, dir.path())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed: {text}");
    assert!(
        text.contains("CHILD DONE"),
        "the child ran its checks: {text}"
    );
}

#[test]
#[ignore = "child process of an_earlier_segment_the_system_cannot_open_now_is_kept_and_read_later"]
fn child_unreadable_segment() {
    let Ok(dir) = std::env::var(ENV_CHILD_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let (j, _) = open(&dir, 1 << 20);
    j.append(&record(A, 1, b"first")).unwrap();
    j.append(&record(A, 2, &[7; SEG])).unwrap(); // rolls: segment 1 is an earlier one now
    j.prepare_spare(); // which unmaps it: it is read from its file from now on
    let seg1 = dir.join(segment::file_name(1));
    // No descriptor free below the limit: opening segment 1 fails with EMFILE, for real.
    let normal = otel_sessions_test_support::set_open_file_limit(3);
    let refused = j.view(1);
    otel_sessions_test_support::set_open_file_limit(normal);
    assert!(
        matches!(refused, Err(NotNow)),
        "too many open files is not damage"
    );
    assert!(seg1.exists(), "kept");
    assert_eq!(j.stats.unreadable.load(Ordering::Relaxed), 1);
    assert_eq!(j.stats.damaged_segments.load(Ordering::Relaxed), 0);
    assert_eq!(
        unexported(&j),
        vec![(b'a', 1), (b'a', 2)],
        "read once it opens"
    );

    // Unreadable for longer than GIVE_UP_AFTER, over GIVE_UP_ATTEMPTS tries: given up, so
    // that the export is not held back for ever. A journal opened again, which has not
    // mapped segment 1 (this one keeps the segment it has just read mapped).
    drop(j);
    let (j, _) = open(&dir, 1 << 20);
    use crate::unreadable::{GIVE_UP_AFTER, GIVE_UP_ATTEMPTS};
    j.unreadable
        .backdate(1, GIVE_UP_AFTER, GIVE_UP_ATTEMPTS - 2);
    otel_sessions_test_support::set_open_file_limit(3);
    let first = j.view(1);
    let second = j.view(1);
    otel_sessions_test_support::set_open_file_limit(normal);
    assert!(matches!(first, Err(NotNow)), "one more try is due");
    assert!(matches!(second, Ok(None)), "then it is given up");
    assert!(!seg1.exists());
    assert_eq!(j.stats.given_up.load(Ordering::Relaxed), 1);
    assert_eq!(j.stats.damaged_segments.load(Ordering::Relaxed), 1);
    println!("CHILD DONE");
}

/// Runs `call` on another thread and holds it at its file system call number `skip` (from 0;
/// the journal's `pause` hook) while `meanwhile` runs on a third; `meanwhile` must return
/// within 2 s: it takes no lock the held call holds across its system call.
fn while_held<T: Send + 'static>(
    call: impl FnOnce() + Send + 'static,
    skip: usize,
    meanwhile: impl FnOnce() -> T + Send + 'static,
) -> T {
    use std::sync::mpsc::channel;
    let (entered_tx, entered) = channel();
    let (release, release_rx) = channel::<()>();
    let held = std::thread::spawn(move || {
        let mut calls = 0;
        super::pause::set(move || {
            calls += 1;
            if calls == skip + 1 {
                let _ = entered_tx.send(());
                let _ = release_rx.recv();
            }
        });
        call();
    });
    entered.recv().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let _ = tx.send(meanwhile());
    });
    let out = rx.recv_timeout(std::time::Duration::from_secs(2));
    release.send(()).unwrap();
    held.join().unwrap();
    out.expect("waited on the held call: a lock is held across its system call")
}

/// A journal of `segments` segments, to share between threads.
fn shared_with_segments(dir: &Path, segments: u64) -> Arc<Journal> {
    let (j, _) = open(dir, 1 << 24);
    fill_until_segments(&j, segments, 150);
    Arc::new(j)
}

#[test]
fn the_recording_threads_never_wait_on_the_exporters_file_system_calls() {
    // The exporter runs at background priority: preempted in a system call while holding a
    // lock that the app's threads take, it would keep them waiting. Its cursor write and its
    // deletion of a segment are held here; the recording side's calls go on meanwhile.
    let dir = tempfile::tempdir().unwrap();
    let j = shared_with_segments(dir.path(), 4);
    let at = |segment| Position {
        segment,
        offset: HEADER_BYTES,
    };
    // Advancing writes the cursor (call 0), then deletes the segments passed (call 1).
    let before = j.cursor();
    let (a, b) = (j.clone(), j.clone());
    let cursor = while_held(move || a.advance(at(2)), 0, move || b.cursor());
    assert_eq!(
        cursor, before,
        "read while the new one is written: the one before"
    );
    assert_eq!(j.cursor(), at(2));
    let (a, b) = (j.clone(), j.clone());
    let appended = while_held(
        move || a.advance(at(3)),
        1,
        move || {
            let mut seq = 1000;
            append_until_segments(&b, 5, &mut seq);
            b.end()
        },
    );
    assert!(appended.segment >= 5);
    assert!(j.view(2).unwrap().is_none(), "deleted");
    assert!(!dir.path().join(segment::file_name(2)).exists());
}

#[cfg(target_os = "linux")]
#[test]
fn a_segment_two_threads_open_at_once_is_kept_mapped_once_and_unmapped_when_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let j = shared_with_segments(dir.path(), 3);
    // Segment 1 is read from its file from now on. One thread is held just before it opens
    // it, while another opens it and keeps it mapped; then the first opens it too.
    j.prepare_spare();
    let (a, b) = (j.clone(), j.clone());
    let read = while_held(
        move || assert!(a.view(1).unwrap().is_some()),
        0,
        move || b.view(1).unwrap().is_some(),
    );
    assert!(read);
    j.advance(Position {
        segment: 2,
        offset: HEADER_BYTES,
    });
    assert!(!dir.path().join(segment::file_name(1)).exists());
    assert_eq!(
        deleted_mappings(dir.path()),
        0,
        "no copy of it stays mapped"
    );
}
