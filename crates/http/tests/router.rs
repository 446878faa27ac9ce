//! In-process tests of the server: a real ledger in a temporary directory, requests through
//! the router with `tower::ServiceExt::oneshot` (no sockets), and one graceful shutdown over
//! a loopback socket. The end-to-end tests against the binary are the root package's
//! `tests/http_api.rs`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use pactlog_http::Server;
use pactlog_sequencer::keyfile::read_key;
use pactlog_sequencer::{InitOptions, Ledger, SystemClock};
use pactlog_statement::envelope::Envelope;
use pactlog_statement::signature::encode_public_key;
use pactlog_statement::time::Timestamp;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const ORIGIN: &str = "test.example/router";

struct Fixture {
    dir: tempfile::TempDir,
    server: Server,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        Ledger::init(
            &dir.path().join("data"),
            &InitOptions {
                origin: ORIGIN.into(),
                max_skew_s: 300,
                authority_org: "root.authority".into(),
                authority_name: "测试机关工委".into(),
                authority_region: "000000".into(),
            },
            &SystemClock,
        )
        .unwrap();
        let (ledger, _) = Ledger::open(&dir.path().join("data"), Arc::new(SystemClock)).unwrap();
        let server = Server::new(ledger, Arc::new(SystemClock)).unwrap();
        Fixture { dir, server }
    }

    /// An `org.registered` envelope signed by the root authority.
    fn registration(&self, org: &str) -> Vec<u8> {
        let authority = read_key(
            &self
                .dir
                .path()
                .join("data")
                .join("keys")
                .join("authority.key"),
        )
        .unwrap();
        let org_key = ed25519_dalek::SigningKey::from_bytes(&[org.len() as u8; 32]);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let statement = json!({
            "log": ORIGIN,
            "type": "org.registered",
            "author": "root.authority",
            "time": Timestamp::from_unix_millis(now - now % 1000).unwrap().to_string(),
            "body": {
                "org": org,
                "name": "测试党支部",
                "kind": "organ",
                "region": "320700",
                "keys": [encode_public_key(&org_key.verifying_key())],
            }
        });
        Envelope::sign(&statement, &authority)
            .unwrap()
            .to_canonical_json()
            .into_bytes()
    }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }

    fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), "application/problem+json");
        let problem = self.json();
        assert_eq!(problem["type"], format!("urn:pactlog:problem:{code}"));
        assert_eq!(problem["code"], code);
        assert_eq!(problem["status"], status);
        for member in ["title", "detail", "message_zh"] {
            assert!(problem[member].as_str().is_some_and(|s| !s.is_empty()));
        }
        problem
    }
}

async fn send(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(router: &Router, uri: &str) -> Answer {
    send(router, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(router: &Router, content_type: Option<&str>, body: Vec<u8>) -> Answer {
    let mut request = Request::post("/v1/statements");
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    send(router, request.body(Body::from(body)).unwrap()).await
}

/// A request path for each documented path template.
fn instance(template: &str) -> String {
    template
        .replace("{seq}", "0")
        .replace("{id}", &"0".repeat(64))
        .replace("{type}", "org.registered")
        .replace("{level}", "0")
        .replace("{index}", "000.p/1")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_route_is_routed_and_nothing_else() {
    let f = Fixture::new();
    let router = f.server.router();
    let document: Value = serde_json::from_str(f.server.openapi_json()).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 24);
    for (template, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let uri = instance(template);
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri)
                .body(Body::from("{}"))
                .unwrap();
            if template == "/v1/entries/stream" {
                // An SSE body never ends: look at the head only.
                let response = router.clone().oneshot(request).await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                assert_eq!(
                    response.headers()[header::CONTENT_TYPE],
                    "text/event-stream"
                );
                continue;
            }
            let answer = tokio::time::timeout(Duration::from_secs(10), send(&router, request))
                .await
                .unwrap_or_else(|_| panic!("{method} {uri} answers"));
            if answer.header("content-type") == "application/problem+json" {
                let detail = answer.json()["detail"].as_str().unwrap().to_string();
                assert!(
                    !detail.starts_with("no route") && !detail.contains("does not answer"),
                    "{method} {uri} is documented but not routed: {detail}"
                );
            }
        }
    }
    get(&router, "/v1/nothing")
        .await
        .assert_problem(404, "not_found");
    send(
        &router,
        Request::delete("/v1/checkpoint")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_submission_is_acknowledged_and_readable() {
    let f = Fixture::new();
    let router = f.server.router();
    let envelope = f.registration("js.lyg.fgw");
    let created = post(&router, Some("application/json"), envelope.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.header("location"), "/v1/entries/1");
    let ack = created.json();
    assert_eq!(ack["seq"], 1);
    let entry = get(&router, "/v1/entries/1").await;
    assert_eq!(entry.status, StatusCode::OK);
    assert_eq!(
        entry.header("x-pactlog-leaf-hash"),
        ack["leaf_hash"].as_str().unwrap()
    );
    assert_eq!(
        pactlog_merkle::leaf_hash(&entry.body).to_hex(),
        ack["leaf_hash"].as_str().unwrap()
    );
    let again = post(&router, None, envelope).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["seq"], 1);
    let checkpoint = get(&router, "/v1/checkpoint").await;
    assert_eq!(checkpoint.header("x-pactlog-tree-size"), "2");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_size_comes_before_the_content_type() {
    let f = Fixture::new();
    let router = f.server.router();
    post(&router, Some("text/plain"), vec![b'{'; 64_001])
        .await
        .assert_problem(413, "too_large");
    post(&router, Some("text/plain"), b"{}".to_vec())
        .await
        .assert_problem(400, "bad_request");
    post(&router, Some("application/json"), b"{}".to_vec())
        .await
        .assert_problem(400, "bad_signature");
    post(&router, None, b"\xff\xfe".to_vec())
        .await
        .assert_problem(400, "malformed");
}

#[tokio::test(flavor = "multi_thread")]
async fn projections_answer_with_their_tree_size() {
    let f = Fixture::new();
    let router = f.server.router();
    for path in [
        "/v1/orgs",
        "/v1/agreements",
        "/v1/obligations",
        "/v1/results",
        "/v1/needs",
        "/v1/stats",
        "/v1/orgs/root.authority",
    ] {
        let answer = get(&router, path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.header("x-pactlog-tree-size"), "1", "{path}");
        assert_eq!(answer.json()["tree_size"], 1, "{path}");
    }
    get(&router, "/v1/orgs?limit=0")
        .await
        .assert_problem(400, "bad_request");
    get(&router, "/v1/agreements/none.such")
        .await
        .assert_problem(404, "not_found");
}

/// Graceful shutdown: an open SSE stream ends, the server future returns, and the ledger
/// comes back for its own shutdown.
#[tokio::test(flavor = "multi_thread")]
async fn shutdown_ends_streams_and_returns_the_ledger() {
    let f = Fixture::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (trigger, triggered) = tokio::sync::oneshot::channel::<()>();
    let Fixture { dir: _dir, server } = f;
    let server = Arc::new(server);
    let serving = {
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            server
                .serve(listener, async move {
                    let _ = triggered.await;
                })
                .await
        })
    };
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /v1/entries/stream HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&received).contains("id: 0") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
            .await
            .expect("the genesis event")
            .unwrap();
        assert!(n > 0);
        received.extend_from_slice(&buffer[..n]);
    }
    trigger.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), serving)
        .await
        .expect("the server stops once the stream ends")
        .unwrap()
        .unwrap();
    // The stream was ended, not cut: the connection closes after the last chunk.
    let rest = tokio::time::timeout(Duration::from_secs(5), async {
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest).await;
        rest
    })
    .await
    .unwrap();
    assert!(String::from_utf8_lossy(&rest).ends_with("0\r\n\r\n"));
    let server = Arc::try_unwrap(server).ok().expect("no other handle");
    let ledger = tokio::task::spawn_blocking(move || server.into_ledger())
        .await
        .unwrap()
        .expect("the ledger comes back");
    ledger.shutdown();
}
