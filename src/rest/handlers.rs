//! The endpoints: each turns a request into herder messages and the
//! herder's answer into Java's body and status (Java's `RootResource`,
//! `ConnectorsResource`, `ConnectorPluginsResource`, `LoggingResource`). No connector logic
//! lives here; the few checks Java makes in the resource itself (the name in
//! the body must match the URL, restart plans) are made here too.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Body;
use hyper::header::{HeaderValue, ALLOW, HOST, LOCATION};
use hyper::{Method, Request, Response, StatusCode};
use kameo::actor::ActorRef;
use kameo::message::Message;
use kameo::reply::Reply;
use serde::Serialize;
use serde_json::Value;

use crate::runtime::herder::distributed::herder::NO_LEADER_MESSAGE;
use crate::runtime::herder::distributed::DistributedHerder;
use crate::runtime::herder::requests::{
    DeleteConnector, GetConnectorActiveTopics, GetConnectorInfo, GetConnectorOffsets,
    GetConnectorPluginConfig, GetConnectorStatus, GetTaskConfigs, HerderWork, ListConnectors,
    ModifyConnectorOffsets, PutConnectorConfig, PutTaskConfigs, ResetConnectorActiveTopics,
    RestartConnector, RestartTask, SetTargetState, ValidateConnectorConfig,
};
use crate::runtime::herder::standalone::StandaloneHerder;
use crate::runtime::loggers::{Level, Loggers};
use crate::runtime::plugins::connector_plugins;
use crate::runtime::status::{ConnectorTaskId, State, TargetState};

use super::body::{empty, json, read_bounded, read_json, FullBody, MAX_BODY_BYTES};
use super::client::http_request;
use super::entities::{
    config_from_json, offsets_from_json, patch_from_json, ConnectorInfoJson,
    ConnectorStateInfoJson, ConnectorStateJson, CreateConnectorRequest, ErrorMessage, MessageJson,
    PluginInfoJson, ServerInfo, TaskInfoJson, TaskStateJson, WorkerStatus,
};
use super::error::{from_send, ApiError};
use super::internal_request_signature::{
    InternalRequestSignature, SIGNATURE_ALGORITHM_HEADER, SIGNATURE_HEADER,
};
use super::routes::{encode_segment, Query, Route};

/// How long a request waits for the herder (Java's `REQUEST_TIMEOUT_MS`).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);
/// How long `/health` waits (Java's `HEALTH_CHECK_TIMEOUT_MS`).
const HEALTH_TIMEOUT: Duration = Duration::from_secs(10);

/// The herder behind the API: both answer the same requests.
#[derive(Clone)]
pub enum HerderRef {
    Standalone(ActorRef<StandaloneHerder>),
    Distributed(ActorRef<DistributedHerder>),
}

/// What every request needs; shared by all connections.
pub struct AppState {
    pub herder: HerderRef,
    pub info: ServerInfo,
}

/// What the herder answers to `M` when it succeeds.
type AskOk<M> = <<StandaloneHerder as Message<M>>::Reply as Reply>::Ok;

/// Asks the herder, bounded by `timeout`; every failure is an [`ApiError`].
async fn ask_within<M>(herder: &HerderRef, msg: M, timeout: Duration) -> Result<AskOk<M>, ApiError>
where
    StandaloneHerder: Message<M>,
    DistributedHerder: Message<M, Reply = <StandaloneHerder as Message<M>>::Reply>,
    M: Send + 'static,
    <<StandaloneHerder as Message<M>>::Reply as Reply>::Error: Into<ApiError>,
{
    let asked = async {
        match herder {
            HerderRef::Standalone(h) => h.ask(msg).await.map_err(from_send),
            HerderRef::Distributed(h) => h.ask(msg).await.map_err(from_send),
        }
    };
    match tokio::time::timeout(timeout, asked).await {
        Ok(reply) => reply,
        Err(_) => Err(ApiError::timed_out()),
    }
}

async fn ask<M>(herder: &HerderRef, msg: M) -> Result<AskOk<M>, ApiError>
where
    StandaloneHerder: Message<M>,
    DistributedHerder: Message<M, Reply = <StandaloneHerder as Message<M>>::Reply>,
    M: Send + 'static,
    <<StandaloneHerder as Message<M>>::Reply as Reply>::Error: Into<ApiError>,
{
    ask_within(herder, msg, REQUEST_TIMEOUT).await
}

/// Answers one request. Never fails: errors become Java's error body.
pub async fn handle<B>(req: Request<B>, state: &AppState, local: SocketAddr) -> Response<FullBody>
where
    B: Body,
    B::Error: Display,
{
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    // Held whole, so that a request another worker must answer can be
    // forwarded as it came.
    let (parts, body) = req.into_parts();
    let result = match read_bounded(&parts.headers, body, MAX_BODY_BYTES).await {
        Ok(bytes) => {
            let bytes = Bytes::from(bytes);
            let req = Request::from_parts(parts.clone(), FullBody::new(bytes.clone()));
            match dispatch(req, state, local).await {
                Err(ApiError {
                    forward: Some(target),
                    message,
                    ..
                }) => forward(&parts, local, bytes, target.url, &message).await,
                other => other,
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(resp) => resp,
        Err(e) => {
            if e.status.is_server_error() {
                tracing::warn!(%method, %path, status = e.status.as_u16(), message = %e.message, "REST request failed");
            } else {
                tracing::debug!(%method, %path, status = e.status.as_u16(), message = %e.message, "REST request refused");
            }
            let mut resp = json(
                e.status,
                &ErrorMessage {
                    error_code: e.status.as_u16(),
                    message: e.message,
                },
            );
            if e.status == StatusCode::METHOD_NOT_ALLOWED {
                if let Some(allow) =
                    Route::parse(&path).and_then(|r| HeaderValue::from_str(&r.allow_header()).ok())
                {
                    resp.headers_mut().insert(ALLOW, allow);
                }
            }
            resp
        }
    }
}

async fn dispatch<B>(
    req: Request<B>,
    state: &AppState,
    local: SocketAddr,
) -> Result<Response<FullBody>, ApiError>
where
    B: Body,
    B::Error: Display,
{
    let route = Route::parse(req.uri().path()).ok_or_else(ApiError::route_not_found)?;
    let query = Query::parse(req.uri().query());
    let method = match *req.method() {
        Method::HEAD => Method::GET,
        Method::OPTIONS => {
            let mut resp = empty(StatusCode::OK);
            if let Ok(allow) = HeaderValue::from_str(&route.allow_header()) {
                resp.headers_mut().insert(ALLOW, allow);
            }
            return Ok(resp);
        }
        ref m => m.clone(),
    };
    if !route.methods().contains(&method) {
        return Err(ApiError::method_not_allowed());
    }
    let base = base_url(&req, local);
    let herder = &state.herder;
    match (route, method) {
        (Route::Root, _) => Ok(json(StatusCode::OK, &state.info)),
        (Route::Health, _) => Ok(health(herder).await),
        (Route::ConnectorPlugins, _) => {
            // Connectors (sinks first, as in Java); `?connectorsOnly=false`
            // adds converters, header converters, transformations and
            // predicates, each kind sorted by class.
            let mut plugins: Vec<PluginInfoJson> = connector_plugins()
                .iter()
                .filter(|p| p.is_listed())
                .map(PluginInfoJson::from)
                .collect();
            if !query.flag("connectorsOnly", true) {
                let kinds: [(&[&str], &str); 4] = [
                    (crate::converters::CONVERTERS, "converter"),
                    (crate::converters::HEADER_CONVERTERS, "header_converter"),
                    (crate::transforms::TRANSFORMATIONS, "transformation"),
                    (crate::transforms::PREDICATES, "predicate"),
                ];
                for (classes, type_) in kinds {
                    plugins.extend(classes.iter().map(|class| PluginInfoJson {
                        class: class.to_string(),
                        type_: type_.to_string(),
                        version: env!("CARGO_PKG_VERSION").to_string(),
                    }));
                }
            }
            Ok(json(StatusCode::OK, &plugins))
        }
        (Route::PluginConfig(plugin), _) => {
            let keys = ask(herder, GetConnectorPluginConfig(plugin)).await?;
            Ok(json(StatusCode::OK, &keys))
        }
        (Route::PluginValidate(plugin), _) => {
            let body = read_json(req).await?;
            validate_configs(herder, &plugin, &body).await
        }
        (Route::Topics(name), _) => {
            let topics = ask(herder, GetConnectorActiveTopics(name.clone())).await?;
            let mut body = serde_json::Map::new();
            body.insert(name, serde_json::json!({ "topics": topics }));
            Ok(json(StatusCode::OK, &body))
        }
        (Route::TopicsReset(name), _) => {
            ask(herder, ResetConnectorActiveTopics(name)).await?;
            Ok(empty(StatusCode::ACCEPTED))
        }
        (Route::Offsets(name), Method::GET) => {
            let work = ask(herder, GetConnectorOffsets(name)).await?;
            Ok(json(StatusCode::OK, &finish(work).await?))
        }
        (Route::Offsets(name), Method::PATCH) => {
            let body = read_json(req).await?;
            let offsets = offsets_from_json(&body)?
                .filter(|o| !o.is_empty())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "Partitions / offsets need to be provided for an alter offsets request",
                    )
                })?;
            let work = ask(
                herder,
                ModifyConnectorOffsets {
                    name,
                    offsets: Some(offsets),
                },
            )
            .await?;
            let message = finish(work).await?;
            Ok(json(StatusCode::OK, &MessageJson { message }))
        }
        (Route::Offsets(name), _) => {
            let work = ask(
                herder,
                ModifyConnectorOffsets {
                    name,
                    offsets: None,
                },
            )
            .await?;
            let message = finish(work).await?;
            Ok(json(StatusCode::OK, &MessageJson { message }))
        }
        (Route::Loggers, _) => Ok(json(StatusCode::OK, &Loggers::global().all_levels())),
        (Route::Logger(name), Method::GET) => {
            let level = Loggers::global()
                .level(&name)
                .ok_or_else(|| ApiError::not_found(format!("Logger {name} not found.")))?;
            Ok(json(StatusCode::OK, &level))
        }
        (Route::Logger(name), _) => {
            let body = read_json(req).await?;
            set_logger_level(&name, &body, &query)
        }
        (Route::Connectors, Method::GET) => list_connectors(herder, &query).await,
        (Route::Connectors, _) => {
            let body = read_json(req).await?;
            create_connector(herder, &body, &base).await
        }
        (Route::Connector(name), Method::GET) => {
            let info = ask(herder, GetConnectorInfo(name)).await?;
            Ok(json(StatusCode::OK, &ConnectorInfoJson::from(&info)))
        }
        (Route::Connector(name), _) => {
            ask(herder, DeleteConnector(name)).await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::Config(name), Method::GET) => {
            let info = ask(herder, GetConnectorInfo(name)).await?;
            Ok(json(StatusCode::OK, &ConnectorInfoJson::from(&info).config))
        }
        (Route::Config(name), Method::PUT) => {
            let body = read_json(req).await?;
            put_config(herder, name, &body, &base).await
        }
        (Route::Config(name), _) => {
            let body = read_json(req).await?;
            patch_config(herder, name, &body).await
        }
        (Route::Status(name), _) => {
            let status = ask(herder, GetConnectorStatus(name.clone()))
                .await
                .map_err(|e| {
                    reword_not_found(e, format!("No status found for connector {name}"))
                })?;
            Ok(json(StatusCode::OK, &ConnectorStateInfoJson::from(&status)))
        }
        (Route::Tasks(name), Method::POST) => put_task_configs(herder, name, req).await,
        (Route::Tasks(name), _) => {
            let tasks = ask(herder, GetTaskConfigs(name)).await?;
            let body: Vec<TaskInfoJson> = tasks
                .iter()
                .map(|(id, config)| TaskInfoJson::new(id, config))
                .collect();
            Ok(json(StatusCode::OK, &body))
        }
        (Route::TaskStatus(name, task), _) => {
            let id = ConnectorTaskId {
                connector: name,
                task,
            };
            let missing = format!("No status found for task {id}");
            let status = ask(herder, GetConnectorStatus(id.connector.clone()))
                .await
                .map_err(|e| reword_not_found(e, missing.clone()))?;
            let task = status
                .tasks
                .iter()
                .find(|(t, _)| *t == id.task)
                .ok_or_else(|| ApiError::not_found(missing))?;
            Ok(json(StatusCode::OK, &TaskStateJson::new(task.0, &task.1)))
        }
        (Route::TaskRestart(name, task), _) => {
            let id = ConnectorTaskId {
                connector: name,
                task,
            };
            let task_missing = format!("Task {id} not found");
            ask(herder, RestartTask(id.clone())).await.map_err(|e| {
                // The herder names a missing task "Task c-n"; Java says "Task c-n not found".
                if e.status == StatusCode::NOT_FOUND && e.message.contains(&format!("Task {id}")) {
                    e.with_message(task_missing)
                } else {
                    e
                }
            })?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::Restart(name), _) => restart_connector(herder, name, &query).await,
        (Route::Pause(name), _) => {
            set_target(herder, &name, TargetState::Paused).await?;
            Ok(empty(StatusCode::ACCEPTED))
        }
        (Route::Resume(name), _) => {
            set_target(herder, &name, TargetState::Started).await?;
            Ok(empty(StatusCode::ACCEPTED))
        }
        (Route::Stop(name), _) => {
            ask(
                herder,
                SetTargetState {
                    name,
                    target: TargetState::Stopped,
                },
            )
            .await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

/// Sends a request that another worker must answer to it (Java's
/// `HerderRequestHandler.completeOrForwardRequest`): a request from a
/// client (no `forward` parameter) may be forwarded twice (to the leader,
/// then from the leader to a task's owner); one already forwarded
/// (`forward=false`) is not forwarded again.
async fn forward(
    parts: &hyper::http::request::Parts,
    local: SocketAddr,
    body: Bytes,
    url: Option<String>,
    message: &str,
) -> Result<Response<FullBody>, ApiError> {
    let query = Query::parse(parts.uri.query());
    let forwarded_flag = query
        .all("forward")
        .next()
        .map(|v| v.eq_ignore_ascii_case("true"));
    if forwarded_flag == Some(false) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
        ));
    }
    let Some(url) = url else {
        return Err(ApiError::new(StatusCode::CONFLICT, NO_LEADER_MESSAGE));
    };
    let recursive = forwarded_flag.is_none();
    let mut params: Vec<&str> = parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && *p != "forward" && !p.starts_with("forward="))
        .collect();
    let flag = format!("forward={recursive}");
    params.push(&flag);
    let target = format!(
        "{}{}?{}",
        url.trim_end_matches('/'),
        parts.uri.path(),
        params.join("&")
    );
    tracing::debug!(%target, reason = message, "forwarding REST request");
    let headers: Vec<(&str, String)> = [SIGNATURE_HEADER, SIGNATURE_ALGORITHM_HEADER]
        .into_iter()
        .filter_map(|h| {
            let v = parts.headers.get(h)?.to_str().ok()?;
            Some((h, v.to_string()))
        })
        .collect();
    let body = (!body.is_empty()).then_some(body);
    let answer = http_request(parts.method.clone(), &target, &headers, body)
        .await
        .map_err(ApiError::internal)?;
    let mut resp = Response::new(FullBody::new(answer.body));
    *resp.status_mut() = answer.status;
    if let Some(ct) = answer
        .content_type
        .and_then(|ct| HeaderValue::from_str(&ct).ok())
    {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, ct);
    }
    // Java's Location is relative, resolved against the worker the client
    // called: this one, not the leader that answered.
    if let Some(location) = answer.location {
        let path = location
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or(&location);
        if let Ok(v) =
            HeaderValue::from_str(&format!("{}{path}", base_url_of(&parts.headers, local)))
        {
            resp.headers_mut().insert(LOCATION, v);
        }
    }
    Ok(resp)
}

/// `POST /connectors/{c}/tasks`: task configs from the worker that runs the
/// connector, signed with the session key (Java's internal
/// `putTaskConfigs`).
async fn put_task_configs<B>(
    herder: &HerderRef,
    name: String,
    req: Request<B>,
) -> Result<Response<FullBody>, ApiError>
where
    B: Body,
    B::Error: Display,
{
    let (parts, body) = req.into_parts();
    let bytes = read_bounded(&parts.headers, body, MAX_BODY_BYTES).await?;
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let signature = InternalRequestSignature::from_headers(
        header(SIGNATURE_ALGORITHM_HEADER),
        header(SIGNATURE_HEADER),
        &bytes,
    )
    .map_err(ApiError::bad_request)?;
    let configs: Vec<crate::api::connector::Props> = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("Invalid task configs: {e}")))?;
    ask(
        herder,
        PutTaskConfigs {
            connector: name,
            configs,
            signature,
        },
    )
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Awaits work the herder handed back, within the request timeout.
async fn finish<T>(work: HerderWork<T>) -> Result<T, ApiError> {
    match tokio::time::timeout(REQUEST_TIMEOUT, work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(_) => Err(ApiError::timed_out()),
    }
}

/// `PUT /connector-plugins/{plugin}/config/validate`: a `connector.class`
/// in the body must name the plugin of the path (Java compares the names
/// without their `Connector` suffix, the body's ending with the path's).
async fn validate_configs(
    herder: &HerderRef,
    plugin: &str,
    body: &Value,
) -> Result<Response<FullBody>, ApiError> {
    let given = patch_from_json(body)?;
    if let Some(Some(included)) = given.get("connector.class") {
        if !normalized_plugin_name(included).ends_with(normalized_plugin_name(plugin)) {
            return Err(ApiError::bad_request(format!(
                "Included connector type {included} does not match request type {plugin}"
            )));
        }
    }
    let null_keys = given
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k.clone())
        .collect();
    let config = given
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    let infos = ask(herder, ValidateConnectorConfig { config, null_keys }).await?;
    Ok(json(StatusCode::OK, &infos))
}

/// Java's `ConnectorPluginsResource.normalizedPluginName`: the alias of a
/// connector class name (without its `Connector` suffix).
fn normalized_plugin_name(name: &str) -> &str {
    match name.strip_suffix("Connector") {
        Some(alias) if !alias.is_empty() => alias,
        _ => name,
    }
}

/// `PUT /admin/loggers/{logger}?scope=worker|cluster` (Java's
/// `LoggingResource.setLevel`): the worker scope answers the loggers it
/// changed; the cluster scope (this worker is the whole cluster in
/// standalone mode) answers 204.
fn set_logger_level(
    namespace: &str,
    body: &Value,
    query: &Query,
) -> Result<Response<FullBody>, ApiError> {
    let given = patch_from_json(body)?;
    let Some(Some(level_name)) = given.get("level") else {
        return Err(ApiError::bad_request(
            "Desired 'level' parameter was not specified in request.",
        ));
    };
    let level = Level::parse(level_name)
        .ok_or_else(|| ApiError::not_found(format!("invalid log level '{level_name}'.")))?;
    let scope = query.all("scope").next().unwrap_or("worker");
    match scope.to_lowercase().as_str() {
        "cluster" => {
            Loggers::global().set_level(namespace, level);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        other => {
            if other != "worker" {
                tracing::warn!(
                    "Received invalid scope '{scope}' in request to adjust logging level; will default to worker"
                );
            }
            let changed = Loggers::global().set_level(namespace, level);
            Ok(json(StatusCode::OK, &changed))
        }
    }
}

/// `/health`: healthy when the herder answers within the health timeout.
async fn health(herder: &HerderRef) -> Response<FullBody> {
    match ask_within(herder, ListConnectors, HEALTH_TIMEOUT).await {
        Ok(_) => json(StatusCode::OK, &WorkerStatus::HEALTHY),
        Err(_) => json(StatusCode::INTERNAL_SERVER_ERROR, &WorkerStatus::UNHEALTHY),
    }
}

/// `GET /connectors`, optionally `?expand=status` and/or `?expand=info`.
async fn list_connectors(
    herder: &HerderRef,
    query: &Query,
) -> Result<Response<FullBody>, ApiError> {
    let names = ask(herder, ListConnectors).await?;
    if !query.contains("expand") {
        return Ok(json(StatusCode::OK, &names));
    }
    let mut out = serde_json::Map::new();
    'connectors: for name in names {
        let mut expansions = serde_json::Map::new();
        for expansion in query.all("expand") {
            let value = match expansion {
                "status" => ask(herder, GetConnectorStatus(name.clone()))
                    .await
                    .map(|s| to_value(&ConnectorStateInfoJson::from(&s))),
                "info" => ask(herder, GetConnectorInfo(name.clone()))
                    .await
                    .map(|i| to_value(&ConnectorInfoJson::from(&i))),
                other => {
                    tracing::info!(expansion = other, "Ignoring unknown expansion type");
                    continue;
                }
            };
            match value {
                Ok(v) => {
                    expansions.insert(expansion.to_string(), v);
                }
                // Deleted while we looked: left out, as Java leaves it out.
                Err(e) if e.status == StatusCode::NOT_FOUND => continue 'connectors,
                Err(e) => return Err(e),
            }
        }
        out.insert(name, Value::Object(expansions));
    }
    Ok(json(StatusCode::OK, &out))
}

/// `POST /connectors`.
async fn create_connector(
    herder: &HerderRef,
    body: &Value,
    base: &str,
) -> Result<Response<FullBody>, ApiError> {
    let req = CreateConnectorRequest::from_json(body)?;
    let mut config = req.config;
    check_and_put_name(&req.name, &mut config)?;
    let (_, info) = ask(
        herder,
        PutConnectorConfig {
            name: req.name.clone(),
            config: config.into_iter().collect(),
            allow_replace: false,
            initial_state: req.initial_state.unwrap_or(TargetState::Started),
        },
    )
    .await?;
    let mut resp = json(StatusCode::CREATED, &ConnectorInfoJson::from(&info));
    set_location(&mut resp, base, &info.name);
    Ok(resp)
}

/// `PUT /connectors/{c}/config`: 201 when created, 200 when replaced.
async fn put_config(
    herder: &HerderRef,
    name: String,
    body: &Value,
    base: &str,
) -> Result<Response<FullBody>, ApiError> {
    let mut config = config_from_json(body)?;
    check_and_put_name(&name, &mut config)?;
    let (created, info) = ask(
        herder,
        PutConnectorConfig {
            name,
            config: config.into_iter().collect(),
            allow_replace: true,
            initial_state: TargetState::Started,
        },
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut resp = json(status, &ConnectorInfoJson::from(&info));
    if created {
        set_location(&mut resp, base, &info.name);
    }
    Ok(resp)
}

/// `PATCH /connectors/{c}/config`: merges into the current config; a `null`
/// value removes the key (Java's `ConnectUtils.patchConfig`).
async fn patch_config(
    herder: &HerderRef,
    name: String,
    body: &Value,
) -> Result<Response<FullBody>, ApiError> {
    let patch = patch_from_json(body)?;
    let current = ask(herder, GetConnectorInfo(name.clone())).await?;
    let mut config = current.config;
    for (k, v) in patch {
        match v {
            Some(v) => {
                config.insert(k, v);
            }
            None => {
                config.remove(&k);
            }
        }
    }
    let (_, info) = ask(
        herder,
        PutConnectorConfig {
            name,
            config,
            allow_replace: true,
            initial_state: TargetState::Started,
        },
    )
    .await?;
    Ok(json(StatusCode::OK, &ConnectorInfoJson::from(&info)))
}

/// `POST /connectors/{c}/restart`. With the defaults only the connector is
/// restarted and the answer is 204; otherwise the answer is 202 with the
/// restart plan: the current status with what will restart marked
/// RESTARTING (Java's `RestartPlan`).
async fn restart_connector(
    herder: &HerderRef,
    name: String,
    query: &Query,
) -> Result<Response<FullBody>, ApiError> {
    let include_tasks = query.flag("includeTasks", false);
    let only_failed = query.flag("onlyFailed", false);
    if !include_tasks && !only_failed {
        ask(
            herder,
            RestartConnector {
                name,
                include_tasks,
                only_failed,
            },
        )
        .await?;
        return Ok(empty(StatusCode::NO_CONTENT));
    }
    let unknown = format!("Unknown connector: {name}");
    let status = ask(herder, GetConnectorStatus(name.clone()))
        .await
        .map_err(|e| reword_not_found(e, unknown.clone()))?;
    let mut plan = ConnectorStateInfoJson::from(&status);
    if !only_failed || status.connector.state == State::Failed {
        plan.connector = ConnectorStateJson {
            state: State::Restarting.name().to_string(),
            ..plan.connector
        };
    }
    for task in &mut plan.tasks {
        if include_tasks && (!only_failed || task.state == State::Failed.name()) {
            task.state = State::Restarting.name().to_string();
        }
    }
    ask(
        herder,
        RestartConnector {
            name,
            include_tasks,
            only_failed,
        },
    )
    .await
    .map_err(|e| reword_not_found(e, unknown))?;
    Ok(json(StatusCode::ACCEPTED, &plan))
}

/// Pause and resume: Java calls an unknown connector "Unknown connector c".
async fn set_target(herder: &HerderRef, name: &str, target: TargetState) -> Result<(), ApiError> {
    ask(
        herder,
        SetTargetState {
            name: name.to_string(),
            target,
        },
    )
    .await
    .map_err(|e| reword_not_found(e, format!("Unknown connector {name}")))
}

/// Java's `checkAndPutConnectorConfigName`: a `name` in the config must be
/// the connector's name; if absent, it is added.
fn check_and_put_name(name: &str, config: &mut BTreeMap<String, String>) -> Result<(), ApiError> {
    match config.get("name") {
        Some(included) if included != name => Err(ApiError::bad_request(format!(
            "Connector name configuration ({included}) doesn't match connector name in the URL ({name})"
        ))),
        Some(_) => Ok(()),
        None => {
            config.insert("name".to_string(), name.to_string());
            Ok(())
        }
    }
}

fn reword_not_found(e: ApiError, message: String) -> ApiError {
    if e.status == StatusCode::NOT_FOUND {
        e.with_message(message)
    } else {
        e
    }
}

/// `http://host:port` as the client addressed us (the `Host` header), for
/// the `Location` of a created connector; Jersey makes it absolute the same
/// way.
fn base_url<B>(req: &Request<B>, local: SocketAddr) -> String {
    base_url_of(req.headers(), local)
}

fn base_url_of(headers: &hyper::HeaderMap, local: SocketAddr) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .map(String::from)
        .unwrap_or_else(|| local.to_string());
    format!("http://{host}")
}

fn set_location(resp: &mut Response<FullBody>, base: &str, name: &str) {
    let location = format!("{base}/connectors/{}", encode_segment(name));
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(LOCATION, v);
    }
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_match_the_url() {
        let mut config = BTreeMap::new();
        assert!(check_and_put_name("c", &mut config).is_ok());
        assert_eq!(config.get("name").map(String::as_str), Some("c"));
        let err = check_and_put_name("d", &mut config).err();
        assert_eq!(
            err.map(|e| (e.status.as_u16(), e.message)),
            Some((
                400,
                "Connector name configuration (c) doesn't match connector name in the URL (d)"
                    .to_string()
            ))
        );
    }

    #[test]
    fn plugin_names_normalize_like_java() {
        assert_eq!(
            normalized_plugin_name("FileStreamSourceConnector"),
            "FileStreamSource"
        );
        assert_eq!(normalized_plugin_name("Connector"), "Connector");
        assert!(
            normalized_plugin_name("org.apache.kafka.connect.file.FileStreamSourceConnector")
                .ends_with(normalized_plugin_name("FileStreamSource"))
        );
        assert!(!normalized_plugin_name("FileStreamSink").ends_with("FileStreamSource"));
    }

    #[test]
    fn location_uses_the_host_header() {
        let req = Request::builder()
            .uri("/connectors")
            .header(HOST, "worker:8083")
            .body(())
            .unwrap_or_default();
        let local: SocketAddr = ([127, 0, 0, 1], 9).into();
        assert_eq!(base_url(&req, local), "http://worker:8083");
        let bare = Request::new(());
        assert_eq!(base_url(&bare, local), "http://127.0.0.1:9");
        let mut resp = empty(StatusCode::CREATED);
        set_location(&mut resp, "http://h:1", "my conn");
        assert_eq!(
            resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()),
            Some("http://h:1/connectors/my%20conn")
        );
    }
}
