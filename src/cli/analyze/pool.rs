//! Bundles analyzed on `jobs` worker threads, each bundle on its own, with
//! a time limit per bundle that holds even when the work ignores it.
//!
//! Each bundle gets a deadline, which the bundle reader checks between
//! reads so that most slow bundles stop by themselves and report it. Work
//! that does not look at the deadline (a pathological hive walked by a
//! rule, a read blocked on a dead network share) is not waited for: a
//! short grace after its time is up (so that work which does stop by
//! itself is not raced), the bundle is reported as failed, its thread is
//! abandoned (Rust cannot stop a thread; it ends with the process) and a
//! new worker takes its place, so the batch goes on at full width. The
//! abandoned thread takes no further items, and what it produces is
//! dropped.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Why the pool gave up on an item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Still running when its time ran out.
    TimedOut(Duration),
    /// The work panicked, with the panic's message.
    Panicked(String),
}

/// How long past its deadline an item may take to stop by itself before
/// it is abandoned: as long as the limit itself, at most a second.
fn grace(limit: Duration) -> Duration {
    limit.min(Duration::from_secs(1))
}

/// What workers tell the pool.
enum Event<R> {
    Started {
        index: usize,
        worker: usize,
        at: Instant,
    },
    Done {
        index: usize,
        result: Result<R, String>,
    },
    /// The worker found nothing more to do.
    Exited { worker: usize },
}

/// Shared by the pool and its workers.
struct Queue<T> {
    items: Vec<T>,
    next: AtomicUsize,
    /// Set when the consumer wants no more results: workers stop taking items.
    stop: AtomicBool,
    /// Workers given up on: they take no further items.
    abandoned: Mutex<HashSet<usize>>,
}

/// Runs `work(item, deadline)` for every item on `jobs` threads.
/// `on_done(index, result)` is called on the calling thread as each item
/// finishes (in completion order), with `failed(item, why)` standing in for
/// items that timed out or panicked; it returns `false` to stop the run
/// (items not started are then skipped). Otherwise every item gets exactly
/// one call. Returns once every item is accounted for, without waiting for
/// abandoned threads.
pub fn run<T, R, W, F, D>(
    items: Vec<T>,
    jobs: usize,
    timeout: Option<Duration>,
    work: W,
    failed: F,
    mut on_done: D,
) where
    T: Send + Sync + 'static,
    R: Send + 'static,
    W: Fn(&T, Option<Instant>) -> R + Send + Sync + 'static,
    F: Fn(&T, Failure) -> R,
    D: FnMut(usize, R) -> bool,
{
    let total = items.len();
    if total == 0 {
        return;
    }
    let queue = Arc::new(Queue {
        items,
        next: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        abandoned: Mutex::new(HashSet::new()),
    });
    let work = Arc::new(work);
    let (sender, receiver) = mpsc::channel::<Event<R>>();
    let mut next_worker = 0;
    // Workers neither exited nor abandoned.
    let mut alive: HashSet<usize> = HashSet::new();
    let mut spawn = |alive: &mut HashSet<usize>| {
        let (queue, work, events) = (Arc::clone(&queue), Arc::clone(&work), sender.clone());
        let id = next_worker;
        next_worker += 1;
        let started = thread::Builder::new()
            .name(format!("bundle-worker-{id}"))
            .spawn(move || worker(id, &queue, &*work, timeout, &events));
        // A worker that cannot be started leaves its share to the others;
        // with none left, the loop below reports what remains.
        if started.is_ok() {
            alive.insert(id);
        }
    };
    for _ in 0..jobs.clamp(1, total) {
        spawn(&mut alive);
    }

    // Items started and not yet reported: when, and on which worker.
    let mut running: HashMap<usize, (Instant, usize)> = HashMap::new();
    let mut reported = vec![false; total];
    let mut remaining = total;
    while remaining > 0 {
        if alive.is_empty() {
            spawn(&mut alive);
            if alive.is_empty() {
                break;
            }
        }
        // Wake up when the oldest running item's time is up, if any.
        let wait = timeout
            .and_then(|limit| {
                let oldest = running.values().map(|(at, _)| *at).min()?;
                let due = oldest + limit + grace(limit);
                Some(due.saturating_duration_since(Instant::now()))
            })
            .unwrap_or(Duration::from_secs(3600));
        let mut done = Vec::new();
        match receiver.recv_timeout(wait) {
            Ok(Event::Started { index, worker, at }) => {
                running.insert(index, (at, worker));
            }
            Ok(Event::Done { index, result }) => {
                running.remove(&index);
                let result = result
                    .unwrap_or_else(|what| failed(&queue.items[index], Failure::Panicked(what)));
                done.push((index, result));
            }
            Ok(Event::Exited { worker }) => {
                alive.remove(&worker);
            }
            // The pool holds a sender, so the channel never disconnects.
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
        }
        if let Some(limit) = timeout {
            let now = Instant::now();
            let overdue: Vec<(usize, usize)> = running
                .iter()
                .filter(|(_, (at, _))| now >= *at + limit + grace(limit))
                .map(|(index, (_, worker))| (*index, *worker))
                .collect();
            for (index, worker) in overdue {
                running.remove(&index);
                done.push((index, failed(&queue.items[index], Failure::TimedOut(limit))));
                // The stuck worker is abandoned; another takes its place.
                if let Ok(mut abandoned) = queue.abandoned.lock() {
                    abandoned.insert(worker);
                }
                alive.remove(&worker);
                spawn(&mut alive);
            }
        }
        for (index, result) in done {
            if std::mem::replace(&mut reported[index], true) {
                continue; // An abandoned worker finishing after all.
            }
            remaining -= 1;
            if !on_done(index, result) {
                queue.stop.store(true, Ordering::Relaxed);
                return;
            }
        }
    }
    // Only when no worker thread could be started at all.
    for (index, _) in reported.iter().enumerate().filter(|(_, done)| !**done) {
        let why = Failure::Panicked("no worker thread could be started".to_string());
        if !on_done(index, failed(&queue.items[index], why)) {
            return;
        }
    }
}

/// Takes items until there are none left (or the run is stopped).
fn worker<T, R>(
    id: usize,
    queue: &Queue<T>,
    work: &(dyn Fn(&T, Option<Instant>) -> R + Sync),
    timeout: Option<Duration>,
    events: &Sender<Event<R>>,
) {
    let given_up = || queue.abandoned.lock().is_ok_and(|set| set.contains(&id));
    while !queue.stop.load(Ordering::Relaxed) && !given_up() {
        let index = queue.next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = queue.items.get(index) else {
            break;
        };
        let at = Instant::now();
        if events
            .send(Event::Started {
                index,
                worker: id,
                at,
            })
            .is_err()
        {
            return;
        }
        let deadline = timeout.map(|limit| at + limit);
        let result =
            catch_unwind(AssertUnwindSafe(|| work(item, deadline))).map_err(|p| panic_text(&*p));
        if events.send(Event::Done { index, result }).is_err() {
            return;
        }
    }
    let _ = events.send(Event::Exited { worker: id });
}

/// A panic's message, when it has one.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(
        items: Vec<u32>,
        jobs: usize,
        timeout: Option<Duration>,
        work: impl Fn(&u32, Option<Instant>) -> String + Send + Sync + 'static,
    ) -> Vec<(usize, String)> {
        let mut seen = Vec::new();
        run(
            items,
            jobs,
            timeout,
            work,
            |item, why| format!("{item} failed: {why:?}"),
            |index, result| {
                seen.push((index, result));
                true
            },
        );
        seen.sort();
        seen
    }

    #[test]
    fn every_item_is_reported_once_in_any_order() {
        let seen = collect((0..50).collect(), 3, None, |item, _| format!("did {item}"));
        assert_eq!(seen.len(), 50);
        for (index, (at, result)) in seen.iter().enumerate() {
            assert_eq!(*at, index);
            assert_eq!(result, &format!("did {index}"));
        }
    }

    #[test]
    fn a_panicking_item_is_reported_and_the_rest_go_on() {
        let seen = collect((0..5).collect(), 2, None, |item, _| {
            if *item == 2 {
                panic!("item two is cursed");
            }
            format!("did {item}")
        });
        assert_eq!(seen.len(), 5);
        assert!(
            seen[2].1.contains("Panicked(\"item two is cursed\")"),
            "{seen:?}"
        );
        assert_eq!(seen[3].1, "did 3");
    }

    #[test]
    fn an_item_that_never_ends_is_abandoned_and_the_batch_goes_on() {
        // Item 0 blocks for ever (it waits on a channel nobody sends on), so
        // the only way `run` returns is the pool giving up on it: no timing
        // assumption beyond "the timeout eventually passes".
        let (_keep, blocker) = mpsc::channel::<()>();
        let blocker = Mutex::new(blocker);
        let seen = collect((0..6).collect(), 1, Some(Duration::from_millis(50)), {
            move |item, _| {
                if *item == 0 {
                    let _ = blocker.lock().map(|receiver| receiver.recv());
                }
                format!("did {item}")
            }
        });
        assert_eq!(seen.len(), 6, "{seen:?}");
        assert_eq!(seen[0].1, "0 failed: TimedOut(50ms)");
        for (index, result) in &seen[1..] {
            // With one job, the rest only ran because a new worker took over.
            assert_eq!(result, &format!("did {index}"));
        }
    }

    #[test]
    fn the_work_sees_its_deadline() {
        let seen = collect(vec![7], 1, Some(Duration::from_secs(60)), |_, deadline| {
            let left = deadline
                .expect("a deadline")
                .saturating_duration_since(Instant::now());
            format!("{}", left > Duration::from_secs(50))
        });
        assert_eq!(seen, vec![(0, "true".to_string())]);
    }

    #[test]
    fn stopping_skips_what_has_not_started() {
        let mut calls = 0;
        run(
            (0..100).collect::<Vec<u32>>(),
            1,
            None,
            |item, _| *item,
            |item, _| *item,
            |_, _| {
                calls += 1;
                false
            },
        );
        assert_eq!(calls, 1);
    }
}
