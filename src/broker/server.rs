//! Connection handling: accept TCP connections, read length-prefixed
//! request frames (bounded in size), and answer each connection's requests
//! one at a time, in order, as Kafka does (it mutes a connection until its
//! response is sent). A malformed frame or an injected drop closes that
//! connection only; a panic in a handler is caught by its task.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::dispatch::{handle_frame, Outcome};
use super::state::BrokerState;

/// Largest request accepted, Kafka's default `socket.request.max.bytes`.
pub const MAX_FRAME_BYTES: usize = 100 * 1024 * 1024;

/// Accepts connections until `shutdown`; then closes every connection.
pub async fn serve(listener: TcpListener, state: Arc<BrokerState>, shutdown: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let state = state.clone();
                    let shutdown = shutdown.clone();
                    connections.spawn(async move {
                        tokio::select! {
                            _ = shutdown.cancelled() => {}
                            reason = connection(stream, peer, state) => {
                                tracing::debug!("embedded broker: connection from {peer} closed: {reason}");
                            }
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!("embedded broker: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            },
            Some(done) = connections.join_next(), if !connections.is_empty() => {
                if let Err(e) = done {
                    if e.is_panic() {
                        tracing::error!("embedded broker: a connection task panicked: {e}");
                    }
                }
            }
        }
    }
    connections.shutdown().await;
}

/// Serves one connection; returns why it ended.
async fn connection(mut stream: TcpStream, peer: SocketAddr, state: Arc<BrokerState>) -> String {
    loop {
        let frame = match read_frame(&mut stream).await {
            Ok(Some(f)) => f,
            Ok(None) => return "client closed the connection".to_string(),
            Err(e) => return e,
        };
        match handle_frame(&state, frame, peer).await {
            Outcome::Respond(bytes) => {
                if let Err(e) = stream.write_all(&bytes).await {
                    return format!("write failed: {e}");
                }
            }
            Outcome::NoResponse => {}
            Outcome::Close(reason) => {
                tracing::warn!("embedded broker: closing connection from {peer}: {reason}");
                let _ = stream.shutdown().await;
                return reason;
            }
        }
    }
}

/// Reads one frame; `None` at a clean end of stream.
async fn read_frame(stream: &mut TcpStream) -> Result<Option<Bytes>, String> {
    let mut len = [0u8; 4];
    match stream.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(format!("read failed: {e}")),
    }
    let len = i32::from_be_bytes(len);
    if len < 0 || len as usize > MAX_FRAME_BYTES {
        tracing::warn!("embedded broker: refusing a request frame of {len} bytes");
        return Err(format!("invalid frame size {len}"));
    }
    let mut buf = BytesMut::zeroed(len as usize);
    stream
        .read_exact(&mut buf)
        .await
        .map_err(|e| format!("read failed mid-frame: {e}"))?;
    Ok(Some(buf.freeze()))
}
