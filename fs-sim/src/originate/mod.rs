//! Outbound call model: `originate` / `bgapi originate`, channel events, CDR files and recordings.
//!
//! The destination number decides the outcome (see README.md):
//! - `error/<CAUSE>` endpoint: fails with that cause at once;
//! - digits starting with `486`: `USER_BUSY` after 0.5 s;
//! - digits starting with `480` or `408`: `NO_ANSWER` after the originate timeout
//!   (`originate_timeout`/`leg_timeout` variable or the timeout argument; 5 s when none);
//! - any other all-digit number: answered after 0.1 s, talks `sim_talk_seconds` (default 3) seconds,
//!   records a 440 Hz tone and hangs up with `NORMAL_CLEARING`;
//! - anything else: `NO_ROUTE_DESTINATION` at once.
//!
//! Modules: `request` parses the command and decides the outcome, `call` plays the call through
//! (channels, events, hangup), `queue` runs a caller through a mod_callcenter queue, `leg` holds
//! what is known about one channel, `cdr` and `wav` write the files FreeSWITCH writes, `history`
//! back-dates a day of queue calls for the demo.

mod call;
mod cdr;
mod history;
mod leg;
mod queue;
mod request;
mod wav;

pub use call::{originate_api, uuid_exists, uuid_kill};
pub use history::demo_day;
pub use queue::QUEUE_EXTENSIONS;
pub use request::{q850, Outcome, Request, ORIGINATE_USAGE};
pub use wav::wav_tone;

#[cfg(test)]
mod tests;
