//! What every request goes through, outermost first: latency metrics per route, the
//! in-flight limit ([`REQUESTS_IN_FLIGHT_MAX`], beyond it `overloaded`), and the timeout
//! ([`REQUEST_TIMEOUT`], past it `overloaded`). Unknown routes and methods are `not_found`
//! problems.
//!
//! Written as one small `from_fn` middleware rather than tower-http's layers, whose answers
//! (a bare 408, 413 or 503) are not SPEC §4.2 problems.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::problem::Problem;
use crate::{AppState, REQUESTS_IN_FLIGHT_MAX, REQUEST_TIMEOUT};

/// The route label of requests that matched no route.
const UNMATCHED_ROUTE: &str = "unmatched";

/// Adds the fallbacks, the middleware and the state to the table's router.
pub fn wrap(router: Router<AppState>, state: AppState) -> Router {
    router
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_method)
        .layer(from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

async fn unknown_route(method: Method, uri: axum::http::Uri) -> Problem {
    Problem::not_found(
        format!("no route {method} {}", uri.path()),
        format!("路径 {method} {} 不存在", uri.path()),
    )
}

/// A path that exists, asked with another method. SPEC §4.2 names no 405 code, so this is a
/// `not_found` too: there is no such resource for this method.
async fn unknown_method(method: Method, uri: axum::http::Uri) -> Problem {
    Problem::not_found(
        format!("{} does not answer {method}", uri.path()),
        format!("{} 不支持 {method} 方法", uri.path()),
    )
}

/// Every request, in one layer (three `from_fn` layers cost a boxed future, a `Next` and a
/// state clone each, per request): measured for the metrics (route, method, status, time to
/// the response head, refusals included), refused when too many are in flight, and answered
/// with a problem when it takes longer than [`REQUEST_TIMEOUT`].
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_string();
    let method = request.method().clone();
    let response = match state.requests_in_flight.clone().try_acquire_owned() {
        Ok(permit) => {
            let response = within_timeout(next.run(request)).await;
            drop(permit);
            response
        }
        Err(_) => Problem::overloaded(
            format!("more than {REQUESTS_IN_FLIGHT_MAX} requests in flight"),
            format!("同时处理的请求超过 {REQUESTS_IN_FLIGHT_MAX} 个"),
        )
        .into_response(),
    };
    state.metrics.observe_request(
        &route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

async fn within_timeout(response: impl std::future::Future<Output = Response>) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, response).await {
        Ok(response) => response,
        Err(_) => Problem::overloaded(
            format!(
                "no answer within {} s; a submission may still be logged, and resubmitting it is safe",
                REQUEST_TIMEOUT.as_secs()
            ),
            format!(
                "{} 秒内未能应答；声明仍可能被记录，重新提交是安全的",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response(),
    }
}
