//! Where notifications go.

use super::Notification;
use crate::{RealtimeError, Result};
use std::fmt::Debug;
use std::io::Write;
use std::sync::{Mutex, mpsc};

/// A receiver's delivery: a log, a channel, a webhook behind a callback.
pub trait AlertSink: Send + Sync + Debug {
    /// Deliver one notification.
    ///
    /// # Errors
    /// [`RealtimeError::Sink`] when it could not be delivered; the manager retries it at the
    /// group's next flush.
    fn notify(&self, notification: &Notification) -> Result<()>;
}

/// Writes one line per notification and alert to a writer (stderr, a file).
#[derive(Debug)]
pub struct LogSink<W> {
    out: Mutex<W>,
}

impl<W: Write + Send> LogSink<W> {
    /// A sink writing to `out`.
    pub fn new(out: W) -> Self {
        Self { out: Mutex::new(out) }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl<W: Write + Send + Debug> AlertSink for LogSink<W> {
    fn notify(&self, n: &Notification) -> Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let io = |e: std::io::Error| RealtimeError::Sink { sink: "log".into(), message: e.to_string() };
        writeln!(
            out,
            "{} [{}] {} firing, {} resolved",
            n.sent_at.to_rfc3339(),
            n.group_key,
            n.firing.len(),
            n.resolved.len()
        )
        .map_err(io)?;
        for (state, alerts) in [("FIRING", &n.firing), ("RESOLVED", &n.resolved)] {
            for a in alerts {
                write!(out, "  {state} {} {}", a.severity.as_str(), a.labels).map_err(io)?;
                if let Some(e) = &a.evidence {
                    write!(out, " {}: value {} score {:.3} > {}", e.detector, e.value, e.score, e.threshold)
                        .map_err(io)?;
                    if let Some(x) = e.expected {
                        write!(out, " expected {x:.3}").map_err(io)?;
                    }
                    if let Some((lo, hi)) = e.interval {
                        write!(out, " in [{lo:.3}, {hi:.3}]").map_err(io)?;
                    }
                    write!(out, " over {} points", e.window.points).map_err(io)?;
                }
                writeln!(out).map_err(io)?;
            }
        }
        out.flush().map_err(io)
    }
}

/// Sends each notification on a channel.
#[derive(Debug)]
pub struct ChannelSink {
    tx: Mutex<mpsc::Sender<Notification>>,
}

impl ChannelSink {
    /// A sink and the receiver its notifications arrive on.
    pub fn new() -> (Self, mpsc::Receiver<Notification>) {
        let (tx, rx) = mpsc::channel();
        (Self { tx: Mutex::new(tx) }, rx)
    }
}

impl AlertSink for ChannelSink {
    fn notify(&self, n: &Notification) -> Result<()> {
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        tx.send(n.clone())
            .map_err(|_| RealtimeError::Sink { sink: "channel".into(), message: "the receiver was dropped".into() })
    }
}

/// The function a [`CallbackSink`] calls.
type Callback = Box<dyn Fn(&Notification) -> Result<()> + Send + Sync>;

/// Calls a function with each notification (a webhook client, a pager).
pub struct CallbackSink {
    callback: Callback,
}

impl CallbackSink {
    /// A sink calling `callback`; its error makes the delivery count as failed.
    pub fn new(callback: impl Fn(&Notification) -> Result<()> + Send + Sync + 'static) -> Self {
        Self { callback: Box::new(callback) }
    }
}

impl Debug for CallbackSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallbackSink")
    }
}

impl AlertSink for CallbackSink {
    fn notify(&self, n: &Notification) -> Result<()> {
        (self.callback)(n)
    }
}
