//! Containment of the hive library's panics.
//!
//! nt-hive 0.3 returns errors for nearly all damage, but a few damaged
//! inputs reach an `assert!` or an integer overflow inside it instead (the
//! list is in `hive_file.rs`). The cases real hives hold are avoided before
//! the call; for the rest, every nt-hive call that follows an offset read
//! from the file goes through [`contain`], which turns such a panic into an
//! error for the key being read.
//!
//! A panic normally also runs the process panic hook (which prints "thread
//! panicked at ..." and, in a fuzz target, aborts). [`contain`] installs,
//! once per process, a hook that stays silent while the panicking thread is
//! inside `contain` and hands every other panic to the hook installed before
//! it, so real bugs elsewhere still print (and still abort under libfuzzer).

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many [`contain`] calls this thread is inside.
    static INSIDE: Cell<u32> = const { Cell::new(0) };
}

static INSTALL_HOOK: Once = Once::new();

/// Installs the hook that silences contained panics (once per process).
fn install_hook() {
    INSTALL_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            // `try_with`: a panic while the thread's locals are torn down
            // is not ours.
            let inside = INSIDE.try_with(Cell::get).unwrap_or(0) > 0;
            if !inside {
                previous(info);
            }
        }));
    });
}

/// A panic of the hive library caught by [`contain`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contained {
    /// The panic message, e.g. `assertion failed: data_offset != u32::MAX`.
    pub message: String,
}

impl Contained {
    /// What the panic means for the person holding the file.
    pub fn describe(&self) -> String {
        if self.message.contains("data_offset != u32::MAX") {
            "the hive references no cell (0xFFFFFFFF) where one is needed".to_string()
        } else if self.message.contains("subtract with overflow") {
            format!(
                "a cell with an impossible size (0) is referenced (hive reader: {})",
                self.message
            )
        } else {
            format!("the hive reader stopped on damaged data ({})", self.message)
        }
    }
}

impl std::fmt::Display for Contained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

fn message_of(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// Runs `call` (a call into nt-hive), turning a panic into [`Contained`].
///
/// Only library calls belong in `call`: a panic of our own code inside it
/// would be hidden the same way. Unwind safety: the closures given here
/// hold nt-hive iterators, which only hold byte ranges that each step
/// advances before following an offset, so using one again after a
/// contained panic moves on to the next entry.
pub fn contain<T>(call: impl FnOnce() -> T) -> Result<T, Contained> {
    install_hook();
    INSIDE.with(|inside| inside.set(inside.get() + 1));
    let outcome = panic::catch_unwind(AssertUnwindSafe(call));
    INSIDE.with(|inside| inside.set(inside.get() - 1));
    outcome.map_err(|payload| Contained {
        message: message_of(payload.as_ref()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_values_pass_through() {
        assert_eq!(contain(|| 7), Ok(7));
        let caught =
            contain(|| -> u32 { panic!("assertion failed: data_offset != u32::MAX") }).unwrap_err();
        assert_eq!(
            caught.describe(),
            "the hive references no cell (0xFFFFFFFF) where one is needed"
        );
        let caught = contain(|| -> u32 { panic!("{} {}", "formatted", 1) }).unwrap_err();
        assert_eq!(caught.message, "formatted 1");
        assert!(caught.describe().contains("formatted 1"));
    }

    #[test]
    fn nesting_is_counted_and_the_flag_is_reset() {
        let inner = contain(|| contain(|| -> () { panic!("inner") }));
        assert!(matches!(inner, Ok(Err(_))));
        assert_eq!(INSIDE.with(Cell::get), 0);
        let _ = contain(|| -> () { panic!("again") });
        assert_eq!(INSIDE.with(Cell::get), 0);
    }
}
