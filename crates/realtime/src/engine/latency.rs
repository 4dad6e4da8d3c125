//! Latency histograms (HDR) and throughput counters.

use hdrhistogram::Histogram;
use std::time::Duration;

/// Per-event latency in an HDR histogram (Gil Tene's HdrHistogram): 1 ns to 60 s at three
/// significant digits, constant memory, mergeable across workers.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    histogram: Histogram<u64>,
}

const MAX_NANOS: u64 = 60_000_000_000;

impl LatencyHistogram {
    /// An empty histogram.
    ///
    /// # Errors
    /// [`crate::RealtimeError::InvalidParam`] if hdrhistogram refused its bounds (it accepts them).
    pub fn new() -> crate::Result<Self> {
        let histogram =
            Histogram::new_with_bounds(1, MAX_NANOS, 3).map_err(|e| crate::RealtimeError::InvalidParam {
                name: "histogram bounds",
                value: e.to_string(),
                expected: "1 ns ..= 60 s at 3 significant figures",
            })?;
        Ok(Self { histogram })
    }

    /// Record one latency; longer than 60 s counts as 60 s.
    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(MAX_NANOS).clamp(1, MAX_NANOS);
        self.histogram.saturating_record(nanos);
    }

    /// Latencies recorded.
    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    /// The `q`-quantile in microseconds (0 when empty).
    pub fn quantile_us(&self, q: f64) -> f64 {
        self.histogram.value_at_quantile(q.clamp(0.0, 1.0)) as f64 / 1_000.0
    }

    /// Mean in microseconds.
    pub fn mean_us(&self) -> f64 {
        self.histogram.mean() / 1_000.0
    }

    /// Fold another worker's histogram in.
    pub fn merge(&mut self, other: &Self) {
        // Same bounds on both sides, so adding cannot fail; saturate rather than lose counts.
        if self.histogram.add(&other.histogram).is_err() {
            for v in other.histogram.iter_recorded() {
                self.histogram.saturating_record_n(v.value_iterated_to(), v.count_at_value());
            }
        }
    }
}

/// Events and batches counted over a measured span of time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Throughput {
    /// Events taken from the source.
    pub events_in: u64,
    /// Events fully processed.
    pub events_done: u64,
    /// Batches processed.
    pub batches: u64,
    /// Wall time spent, as measured by the caller.
    pub elapsed: Duration,
}

impl Throughput {
    /// Processed events per second (0 when no time elapsed).
    pub fn events_per_second(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.events_done as f64 / s } else { 0.0 }
    }

    /// Events taken in but not processed: must be 0 once the stream is drained.
    pub fn lost(&self) -> u64 {
        self.events_in.saturating_sub(self.events_done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_within_three_significant_digits_and_merge() {
        let mut a = LatencyHistogram::new().unwrap();
        let mut b = LatencyHistogram::new().unwrap();
        for us in 1..=1000u64 {
            a.record(Duration::from_micros(us));
            b.record(Duration::from_micros(us + 1000));
        }
        assert!((a.quantile_us(0.5) - 500.0).abs() <= 0.5, "{}", a.quantile_us(0.5));
        assert!((a.quantile_us(0.99) - 990.0).abs() <= 1.0);
        a.merge(&b);
        assert_eq!(a.count(), 2000);
        assert!((a.quantile_us(0.5) - 1000.0).abs() <= 1.0, "{}", a.quantile_us(0.5));
        a.record(Duration::from_secs(3600));
        assert!(a.quantile_us(1.0) <= 60.1e6);
        let t = Throughput { events_in: 10, events_done: 10, batches: 2, elapsed: Duration::from_millis(5) };
        assert_eq!((t.events_per_second(), t.lost()), (2000.0, 0));
    }
}
