//! Prometheus metrics (`GET /metrics`): the log's size, submissions by outcome, rejections by
//! code, SSE streams, and request latency per route.
//!
//! One registry per [`Metrics`] (not the process-global one), so servers in one test process
//! count apart.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use pactlog_statement::rejection::Code;

/// Latency buckets in seconds: reads take well under a millisecond, a submission one group
/// commit (an `fdatasync`, a few ms), and anything past a second is a problem worth seeing.
const LATENCY_BUCKETS_S: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// How a submission ended, for `pactlog_submissions_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 201: appended and acknowledged.
    Created,
    /// 200: already in the log (check 6).
    AlreadyLogged,
    /// A §4.2 rejection (also counted by code).
    Rejected,
    /// 503: the sequencer queue was full, or the ledger cannot write.
    Overloaded,
    /// 400 `bad_request`: not a JSON content type.
    BadRequest,
}

impl Outcome {
    const ALL: [Outcome; 5] = [
        Outcome::Created,
        Outcome::AlreadyLogged,
        Outcome::Rejected,
        Outcome::Overloaded,
        Outcome::BadRequest,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::AlreadyLogged => "already_logged",
            Outcome::Rejected => "rejected",
            Outcome::Overloaded => "overloaded",
            Outcome::BadRequest => "bad_request",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    /// Entries under the latest published checkpoint (set when scraped).
    pub log_entries: IntGauge,
    /// Entries folded into the projections.
    pub projection_entries: IntGauge,
    /// Group commits (batches made durable and checkpointed) since the server started.
    pub group_commits: IntGauge,
    submissions: IntCounterVec,
    rejections: IntCounterVec,
    /// Open SSE streams.
    pub streams: IntGauge,
    request_duration: HistogramVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        // Every metric below has a valid name and labels: construction cannot fail, and a
        // failure would be a bug caught by the first test that builds a server.
        let log_entries = IntGauge::new(
            "pactlog_log_entries",
            "Entries under the latest published checkpoint (the tree size).",
        )
        .expect("valid metric");
        let projection_entries = IntGauge::new(
            "pactlog_projection_entries",
            "Entries folded into the projections.",
        )
        .expect("valid metric");
        let group_commits = IntGauge::new(
            "pactlog_group_commits",
            "Batches made durable and checkpointed since start; entries over commits is the \
             mean batch size.",
        )
        .expect("valid metric");
        let submissions = IntCounterVec::new(
            Opts::new(
                "pactlog_submissions_total",
                "Statements submitted over HTTP, by outcome.",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let rejections = IntCounterVec::new(
            Opts::new(
                "pactlog_rejections_total",
                "Submissions rejected, by SPEC §4.2 code.",
            ),
            &["code"],
        )
        .expect("valid metric");
        let streams =
            IntGauge::new("pactlog_sse_streams", "Open SSE entry streams.").expect("valid metric");
        let request_duration = HistogramVec::new(
            HistogramOpts::new(
                "pactlog_http_request_duration_seconds",
                "Time to the response head, by route, method and status.",
            )
            .buckets(LATENCY_BUCKETS_S.to_vec()),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(log_entries.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(projection_entries.clone()),
            Box::new(group_commits.clone()),
            Box::new(submissions.clone()),
            Box::new(rejections.clone()),
            Box::new(streams.clone()),
            Box::new(request_duration.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are distinct");
        }
        // Every series exists from the start, at zero, so rates work from the first scrape.
        for outcome in Outcome::ALL {
            submissions.with_label_values(&[outcome.as_str()]);
        }
        for code in Code::ALL {
            rejections.with_label_values(&[code.as_str()]);
        }
        Metrics {
            registry,
            log_entries,
            projection_entries,
            group_commits,
            submissions,
            rejections,
            streams,
            request_duration,
        }
    }

    pub fn submission(&self, outcome: Outcome) {
        self.submissions
            .with_label_values(&[outcome.as_str()])
            .inc();
    }

    pub fn rejection(&self, code: Code) {
        self.submission(Outcome::Rejected);
        self.rejections.with_label_values(&[code.as_str()]).inc();
    }

    pub fn observe_request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.request_duration
            .with_label_values(&[route, method, &status.to_string()])
            .observe(seconds);
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        // Encoding into a Vec cannot fail on I/O, and our metrics are well formed.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buffer);
        String::from_utf8(buffer).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_is_exposed_from_the_start() {
        let metrics = Metrics::new();
        metrics.rejection(Code::Schema);
        metrics.observe_request("/v1/checkpoint", "GET", 200, 0.001);
        let text = metrics.render();
        assert!(text.contains("pactlog_rejections_total{code=\"schema\"} 1"));
        assert!(text.contains("pactlog_rejections_total{code=\"too_large\"} 0"));
        assert!(text.contains("pactlog_submissions_total{outcome=\"rejected\"} 1"));
        assert!(text.contains("pactlog_submissions_total{outcome=\"created\"} 0"));
        assert!(text.contains("pactlog_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/checkpoint\",status=\"200\""));
    }
}
