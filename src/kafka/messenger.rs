//! One TCP connection to one broker, with requests pipelined and matched to
//! their responses by correlation id (the role of Java's `NetworkClient` +
//! `KafkaChannel` for a single node).
//!
//! Callers never touch the socket: a request is encoded into a complete frame
//! and handed to the connection's writer task, so a caller that is cancelled
//! half-way can never leave a half-written request on the stream. A reader
//! task reads whole frames into a `BytesMut`, freezes them and routes them by
//! correlation id to a oneshot; the decoded response borrows from that frame,
//! so record bytes are slices, not copies. Any stream error (or a request
//! timeout, as in Java) closes the connection and fails every in-flight
//! request; the [`Cluster`](super::cluster::Cluster) then opens a new one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::ApiKey;
use kafka_protocol::protocol::{Decodable, HeaderVersion, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::error::{Error, Result};
use super::versions::ApiVersionTable;

/// Settings of one connection.
#[derive(Debug, Clone)]
pub struct ConnectionOptions {
    /// Sent in every request header (`client.id`).
    pub client_id: Arc<str>,
    /// How long a request may wait for its response before the connection is
    /// declared dead (`request.timeout.ms`).
    pub request_timeout: Duration,
    /// How long a TCP connect may take (`socket.connection.setup.timeout.ms`).
    pub connect_timeout: Duration,
    /// Largest response frame accepted; guards against garbage lengths.
    pub max_frame_bytes: usize,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            client_id: Arc::from("kconnect"),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_frame_bytes: 100 * 1024 * 1024,
        }
    }
}

/// A request waiting for its response.
struct Pending {
    /// The response header version, to strip the header before decoding.
    header_version: i16,
    reply: oneshot::Sender<Result<Bytes>>,
}

/// In-flight requests, plus why the connection died (once it has). Both live
/// under one lock so a request can never be registered after the failure
/// sweep and then wait forever.
#[derive(Default)]
struct Inflight {
    dead: Option<String>,
    pending: HashMap<i32, Pending>,
}

/// Shared between the handle and the two I/O tasks.
struct Shared {
    broker: String,
    inflight: Mutex<Inflight>,
    /// Cancelled when the connection dies; stops both I/O tasks.
    closed: CancellationToken,
    /// Broker throttle: no request is sent before this instant (KIP-219).
    throttled_until: Mutex<Option<Instant>>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inflight> {
        // A poisoned lock only means another thread panicked while holding it;
        // the map itself is still consistent.
        self.inflight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the connection dead and fails every in-flight request.
    fn fail(&self, reason: String) {
        let pending = {
            let mut inflight = self.lock();
            if inflight.dead.is_none() {
                inflight.dead = Some(reason.clone());
            }
            std::mem::take(&mut inflight.pending)
        };
        self.closed.cancel();
        if !pending.is_empty() {
            tracing::debug!(broker = %self.broker, count = pending.len(), %reason, "failing in-flight requests");
        }
        for (_, p) in pending {
            let _ = p.reply.send(Err(Error::ConnectionClosed {
                broker: self.broker.clone(),
                reason: reason.clone(),
            }));
        }
    }
}

/// A pipelined connection to one broker.
pub struct Messenger {
    shared: Arc<Shared>,
    /// Complete frames for the writer task. Unbounded so that queueing is
    /// synchronous (and so ordered); callers bound what they keep in flight.
    frames: mpsc::UnboundedSender<Bytes>,
    next_correlation_id: AtomicI32,
    options: ConnectionOptions,
    /// What the broker supports, learnt by the ApiVersions handshake.
    versions: ApiVersionTable,
}

impl std::fmt::Debug for Messenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messenger")
            .field("broker", &self.shared.broker)
            .finish()
    }
}

impl Messenger {
    /// Connects to `addr` ("host:port") and negotiates API versions.
    pub async fn connect(addr: &str, options: ConnectionOptions) -> Result<Arc<Messenger>> {
        let stream = tokio::time::timeout(options.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| Error::Timeout {
                what: format!("connecting to broker {addr}"),
                ms: options.connect_timeout.as_millis() as u64,
            })?
            .map_err(|source| Error::Connect {
                broker: addr.to_string(),
                source,
            })?;
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        let shared = Arc::new(Shared {
            broker: addr.to_string(),
            inflight: Mutex::new(Inflight::default()),
            closed: CancellationToken::new(),
            throttled_until: Mutex::new(None),
        });
        let (frames, rx) = mpsc::unbounded_channel();
        tokio::spawn(write_loop(shared.clone(), write, rx));
        tokio::spawn(read_loop(shared.clone(), read, options.max_frame_bytes));
        let mut messenger = Messenger {
            shared,
            frames,
            next_correlation_id: AtomicI32::new(0),
            options,
            versions: ApiVersionTable::default(),
        };
        match super::versions::handshake(&messenger).await {
            Ok(table) => messenger.versions = table,
            Err(e) => {
                messenger.close("api versions handshake failed");
                return Err(e);
            }
        }
        Ok(Arc::new(messenger))
    }

    /// "host:port" of the broker.
    pub fn broker(&self) -> &str {
        &self.shared.broker
    }

    /// Whether the connection has died; a dead messenger is replaced, never reused.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.is_cancelled()
    }

    /// Closes the connection, failing whatever is in flight.
    pub fn close(&self, reason: &str) {
        self.shared.fail(reason.to_string());
    }

    /// The broker's supported versions.
    pub fn versions(&self) -> &ApiVersionTable {
        &self.versions
    }

    /// The version used for `R`: the highest both sides support.
    pub fn version_for<R: Request>(&self) -> Result<i16> {
        self.versions.pick::<R>(&self.shared.broker)
    }

    /// Records a broker throttle time: later requests wait it out.
    pub fn note_throttle(&self, throttle_time_ms: i32) {
        if throttle_time_ms > 0 {
            let until = Instant::now() + Duration::from_millis(throttle_time_ms as u64);
            let mut t = self
                .shared
                .throttled_until
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if t.is_none_or(|old| old < until) {
                *t = Some(until);
            }
        }
    }

    /// Sends `request` at the negotiated version and awaits its response.
    pub async fn request<R: Request>(&self, request: &R) -> Result<R::Response> {
        let version = self.version_for::<R>()?;
        self.request_at(request, version).await
    }

    /// Sends `request` at `version` and awaits its response.
    pub async fn request_at<R: Request>(&self, request: &R, version: i16) -> Result<R::Response> {
        self.wait_out_throttle().await;
        self.enqueue(request, version, self.options.request_timeout)?
            .wait()
            .await
    }

    /// Like [`request`](Self::request) with its own timeout, for requests the
    /// broker may legitimately hold longer (JoinGroup waits for the group).
    pub async fn request_with_timeout<R: Request>(
        &self,
        request: &R,
        timeout: Duration,
    ) -> Result<R::Response> {
        let version = self.version_for::<R>()?;
        self.wait_out_throttle().await;
        self.enqueue(request, version, timeout)?.wait().await
    }

    /// Queues `request` for the writer right now, without awaiting anything,
    /// and returns a handle to its response. Requests queued one after another
    /// go on the wire in that order: the producer relies on this to keep a
    /// partition's batches in sequence order.
    pub fn start_request<R: Request>(&self, request: &R) -> Result<ResponseFuture<R>> {
        let version = self.version_for::<R>()?;
        self.enqueue(request, version, self.options.request_timeout)
    }

    /// Sends a request the broker will not answer (produce with acks=0).
    pub fn send_oneway<R: Request>(&self, request: &R) -> Result<()> {
        let version = self.version_for::<R>()?;
        let correlation_id = self.next_correlation_id();
        let frame = self.encode_frame(request, version, correlation_id)?;
        self.push_frame(frame)
    }

    fn next_correlation_id(&self) -> i32 {
        self.next_correlation_id.fetch_add(1, Ordering::Relaxed) & 0x7fff_ffff
    }

    fn push_frame(&self, frame: Bytes) -> Result<()> {
        self.frames.send(frame).map_err(|_| {
            let reason = self
                .shared
                .lock()
                .dead
                .clone()
                .unwrap_or_else(|| "writer stopped".to_string());
            self.closed_error(&reason)
        })
    }

    /// Encodes the request, registers it as in flight and hands the frame to
    /// the writer.
    fn enqueue<R: Request>(
        &self,
        request: &R,
        version: i16,
        timeout: Duration,
    ) -> Result<ResponseFuture<R>> {
        let correlation_id = self.next_correlation_id();
        let frame = self.encode_frame(request, version, correlation_id)?;
        let (tx, rx) = oneshot::channel();
        {
            let mut inflight = self.shared.lock();
            if let Some(reason) = &inflight.dead {
                return Err(self.closed_error(reason));
            }
            inflight.pending.insert(
                correlation_id,
                Pending {
                    header_version: R::Response::header_version(version),
                    reply: tx,
                },
            );
        }
        self.push_frame(frame)?;
        Ok(ResponseFuture {
            shared: self.shared.clone(),
            rx,
            version,
            timeout,
            _request: std::marker::PhantomData,
        })
    }

    /// Sends a request at `version` and returns the response body with its
    /// header stripped (for the ApiVersions fallback, which must look at the
    /// bytes before choosing how to decode them).
    pub(crate) async fn send_raw<R: Request>(&self, request: &R, version: i16) -> Result<Bytes> {
        self.enqueue(request, version, self.options.request_timeout)?
            .wait_raw()
            .await
    }

    fn closed_error(&self, reason: &str) -> Error {
        Error::ConnectionClosed {
            broker: self.shared.broker.clone(),
            reason: reason.to_string(),
        }
    }

    async fn wait_out_throttle(&self) {
        let until = *self
            .shared
            .throttled_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(until) = until {
            if until > Instant::now() {
                tokio::time::sleep_until(until.into()).await;
            }
        }
    }

    fn encode_frame<R: Request>(
        &self,
        request: &R,
        version: i16,
        correlation_id: i32,
    ) -> Result<Bytes> {
        let encode_error = |message: String| Error::Encode {
            api: api_name(R::KEY),
            message,
        };
        let header_version = R::header_version(version);
        let client_id = self.options.client_id.as_bytes();
        let body_size = request
            .compute_size(version)
            .map_err(|e| encode_error(e.to_string()))?;
        let mut buf = BytesMut::with_capacity(4 + 10 + client_id.len() + 1 + body_size);
        buf.put_i32(0); // size, patched below
        buf.put_i16(R::KEY);
        buf.put_i16(version);
        buf.put_i32(correlation_id);
        if header_version >= 1 {
            buf.put_i16(client_id.len() as i16);
            buf.put_slice(client_id);
        }
        if header_version >= 2 {
            buf.put_u8(0); // no tagged fields
        }
        request
            .encode(&mut buf, version)
            .map_err(|e| encode_error(e.to_string()))?;
        let size = (buf.len() - 4) as i32;
        buf[0..4].copy_from_slice(&size.to_be_bytes());
        Ok(buf.freeze())
    }
}

/// The response to a queued request.
pub struct ResponseFuture<R: Request> {
    shared: Arc<Shared>,
    rx: oneshot::Receiver<Result<Bytes>>,
    version: i16,
    timeout: Duration,
    _request: std::marker::PhantomData<fn() -> R>,
}

impl<R: Request> ResponseFuture<R> {
    /// Awaits and decodes the response.
    pub async fn wait(self) -> Result<R::Response> {
        let version = self.version;
        let broker = self.shared.broker.clone();
        let mut body = self.wait_raw().await?;
        R::Response::decode(&mut body, version).map_err(|e| Error::Protocol {
            broker,
            api: api_name(R::KEY),
            message: e.to_string(),
        })
    }

    async fn wait_raw(self) -> Result<Bytes> {
        let closed = |reason: &str| Error::ConnectionClosed {
            broker: self.shared.broker.clone(),
            reason: reason.to_string(),
        };
        match tokio::time::timeout(self.timeout, self.rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(closed("response channel dropped")),
            Err(_) => {
                // As Java's NetworkClient: a request that times out means the
                // connection can't be trusted; close it so that everything
                // else in flight is retried on a fresh one.
                let what = format!(
                    "{} request to broker {}",
                    api_name(R::KEY),
                    self.shared.broker
                );
                self.shared.fail(format!("request timed out: {what}"));
                Err(Error::Timeout {
                    what,
                    ms: self.timeout.as_millis() as u64,
                })
            }
        }
    }
}

impl Drop for Messenger {
    fn drop(&mut self) {
        self.shared.fail("connection dropped".to_string());
    }
}

/// Display name of an API key, e.g. "Produce".
pub fn api_name(key: i16) -> String {
    match ApiKey::try_from(key) {
        Ok(k) => format!("{k:?}"),
        Err(_) => format!("api {key}"),
    }
}

async fn write_loop(
    shared: Arc<Shared>,
    write: OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Bytes>,
) {
    let mut out = BufWriter::with_capacity(64 * 1024, write);
    loop {
        let frame = tokio::select! {
            _ = shared.closed.cancelled() => break,
            frame = rx.recv() => match frame { Some(f) => f, None => break },
        };
        // Write this frame and whatever else is already queued, then flush once.
        let mut result = out.write_all(&frame).await;
        while result.is_ok() {
            match rx.try_recv() {
                Ok(next) => result = out.write_all(&next).await,
                Err(_) => break,
            }
        }
        if result.is_ok() {
            result = out.flush().await;
        }
        if let Err(e) = result {
            shared.fail(format!("write failed: {e}"));
            break;
        }
    }
    let _ = out.shutdown().await;
}

async fn read_loop(shared: Arc<Shared>, mut read: OwnedReadHalf, max_frame: usize) {
    let reason = tokio::select! {
        _ = shared.closed.cancelled() => return,
        reason = read_frames(&shared, &mut read, max_frame) => reason,
    };
    shared.fail(reason);
}

/// Reads frames until the stream breaks; returns why it stopped.
async fn read_frames(shared: &Shared, read: &mut OwnedReadHalf, max_frame: usize) -> String {
    let mut size_buf = [0u8; 4];
    loop {
        if let Err(e) = read.read_exact(&mut size_buf).await {
            return if e.kind() == std::io::ErrorKind::UnexpectedEof {
                "closed by the broker".to_string()
            } else {
                format!("read failed: {e}")
            };
        }
        let size = i32::from_be_bytes(size_buf);
        if size < 4 || size as usize > max_frame {
            return format!("bad frame length {size} (limit {max_frame}): garbage on the wire");
        }
        let mut frame = BytesMut::zeroed(size as usize);
        if let Err(e) = read.read_exact(&mut frame).await {
            return format!("read failed mid-frame: {e}");
        }
        let mut frame = frame.freeze();
        let correlation_id = frame.get_i32();
        let pending = shared.lock().pending.remove(&correlation_id);
        let Some(pending) = pending else {
            // A response to a request whose caller gave up; nothing waits for it.
            tracing::debug!(broker = %shared.broker, correlation_id, "response with no waiting request");
            continue;
        };
        let body = if pending.header_version >= 1 {
            skip_tagged_fields(&mut frame).map(|_| frame)
        } else {
            Ok(frame)
        };
        match body {
            Ok(body) => {
                let _ = pending.reply.send(Ok(body));
            }
            Err(message) => {
                let _ = pending.reply.send(Err(Error::Protocol {
                    broker: shared.broker.clone(),
                    api: "response header".to_string(),
                    message: message.clone(),
                }));
                return message;
            }
        }
    }
}

fn read_uvarint(buf: &mut Bytes) -> std::result::Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        if !buf.has_remaining() {
            return Err("truncated varint in response header".to_string());
        }
        let b = buf.get_u8();
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint longer than 64 bits in response header".to_string())
}

/// Skips the tagged-field section of a flexible response header.
fn skip_tagged_fields(buf: &mut Bytes) -> std::result::Result<(), String> {
    let count = read_uvarint(buf)?;
    for _ in 0..count {
        read_uvarint(buf)?;
        let size = read_uvarint(buf)? as usize;
        if buf.remaining() < size {
            return Err("truncated tagged field in response header".to_string());
        }
        buf.advance(size);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::{ApiVersionsRequest, MetadataRequest};
    use kafka_protocol::protocol::Encodable;
    use tokio::net::TcpListener;

    #[test]
    fn tagged_fields_are_skipped() {
        let mut b = Bytes::from_static(&[1, 5, 2, 0xaa, 0xbb, 7, 7]);
        skip_tagged_fields(&mut b).unwrap();
        assert_eq!(&b[..], &[7, 7]);
        let mut truncated = Bytes::from_static(&[1, 5, 9, 0xaa]);
        assert!(skip_tagged_fields(&mut truncated).is_err());
    }

    /// A fake broker that answers ApiVersions properly and then sends garbage:
    /// the client must get a typed error, not a panic or a hang.
    #[tokio::test]
    async fn garbage_on_the_wire_fails_requests_and_closes() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            // ApiVersions request: answer with a v0 response listing Metadata v0..12.
            let mut len = [0u8; 4];
            sock.read_exact(&mut len).await.unwrap();
            let mut req = vec![0u8; i32::from_be_bytes(len) as usize];
            sock.read_exact(&mut req).await.unwrap();
            let corr = &req[4..8];
            let mut resp = BytesMut::new();
            resp.put_slice(corr);
            resp.put_i16(35); // UNSUPPORTED_VERSION: forces the v0 fallback
            resp.put_i32(2);
            for (k, max) in [(18i16, 2i16), (3, 12)] {
                resp.put_i16(k);
                resp.put_i16(0);
                resp.put_i16(max);
            }
            sock.write_all(&(resp.len() as i32).to_be_bytes())
                .await
                .unwrap();
            sock.write_all(&resp).await.unwrap();
            // Second handshake attempt at the version we advertised.
            sock.read_exact(&mut len).await.unwrap();
            let mut req = vec![0u8; i32::from_be_bytes(len) as usize];
            sock.read_exact(&mut req).await.unwrap();
            // The retry must come at the version the broker advertised.
            assert_eq!(i16::from_be_bytes([req[2], req[3]]), 2);
            let mut resp = BytesMut::new();
            resp.put_slice(&req[4..8]);
            let mut body = BytesMut::new();
            kafka_protocol::messages::ApiVersionsResponse::default()
                .with_api_keys(vec![
                    kafka_protocol::messages::api_versions_response::ApiVersion::default()
                        .with_api_key(18)
                        .with_min_version(0)
                        .with_max_version(2),
                    kafka_protocol::messages::api_versions_response::ApiVersion::default()
                        .with_api_key(3)
                        .with_min_version(0)
                        .with_max_version(12),
                ])
                .encode(&mut body, 2)
                .unwrap();
            resp.put_slice(&body);
            sock.write_all(&(resp.len() as i32).to_be_bytes())
                .await
                .unwrap();
            sock.write_all(&resp).await.unwrap();
            // Then garbage: a frame length that is absurd.
            sock.read_exact(&mut len).await.unwrap();
            sock.write_all(&[0xff, 0xff, 0xff, 0x00, 1, 2, 3])
                .await
                .unwrap();
            let mut rest = Vec::new();
            let _ = sock.read_to_end(&mut rest).await;
        });
        let m = Messenger::connect(&addr, ConnectionOptions::default())
            .await
            .unwrap();
        assert_eq!(m.versions().max_version(3), Some(12));
        assert!(m.version_for::<ApiVersionsRequest>().is_ok());
        let err = m.request(&MetadataRequest::default()).await.unwrap_err();
        assert!(
            matches!(err, Error::ConnectionClosed { ref reason, .. } if reason.contains("bad frame length")),
            "{err}"
        );
        assert!(m.is_closed());
        // Later requests fail at once instead of hanging.
        let again = m.request(&MetadataRequest::default()).await.unwrap_err();
        assert!(matches!(again, Error::ConnectionClosed { .. }), "{again}");
    }

    #[tokio::test]
    async fn broker_closing_the_connection_is_a_typed_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (sock, _) = listener.accept().await.unwrap();
            drop(sock);
        });
        let err = Messenger::connect(&addr, ConnectionOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ConnectionClosed { .. }), "{err}");
    }
}
