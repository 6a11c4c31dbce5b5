//! Being found: LocalSend's multicast announcement on 224.0.0.167, and answers to the
//! announcements of phones that open their "Send" screen.
//!
//! From the protocol's README: a device announces itself with its description and
//! `"announce": true`; devices that hear it answer with `POST /api/localsend/v2/register`
//! or, as a fallback, a multicast message with `"announce": false`. Safekeep answers by
//! multicast only (it never connects out to a phone), and phones that cannot use
//! multicast find it through the address and port shown on screen.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use super::protocol::DeviceInfo;
use super::server::Shared;
use super::{MULTICAST_GROUP, ReceiveEvent};

/// How often the receiver announces itself while it runs.
const ANNOUNCE_EVERY: Duration = Duration::from_secs(15);

/// Announces and answers until the runtime is shut down. A network with no multicast
/// is said once as a notice; receiving by address goes on.
pub(super) async fn run(shared: Arc<Shared>) {
    let socket = match bind(shared.options.multicast_port) {
        Ok(s) => s,
        Err(e) => {
            shared.emit(ReceiveEvent::Notice {
                message: format!(
                    "phones cannot find this computer by themselves on this network ({e}); type the address shown on the phone instead"
                ),
            });
            return;
        }
    };
    let group = SocketAddr::V4(SocketAddrV4::new(MULTICAST_GROUP, shared.options.multicast_port));
    let announcement = message(&shared.me, true);
    let answer = message(&shared.me, false);
    let mut tick = tokio::time::interval(ANNOUNCE_EVERY);
    let mut buf = vec![0u8; 64 * 1024];
    // At most one answer a second: someone flooding the group with announcements must
    // not make this computer flood it back.
    let mut answered: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let _ = socket.send_to(&announcement, group).await;
            }
            got = socket.recv_from(&mut buf) => {
                let Ok((n, _from)) = got else { continue };
                let Ok(other) = DeviceInfo::parse(&buf[..n]) else { continue };
                let due = answered.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(1));
                if other.fingerprint != shared.me.fingerprint && other.announce == Some(true) && due {
                    answered = Some(tokio::time::Instant::now());
                    let _ = socket.send_to(&answer, group).await;
                }
            }
        }
    }
}

fn message(me: &DeviceInfo, announce: bool) -> Vec<u8> {
    let mut m = me.clone();
    m.announce = Some(announce);
    serde_json::to_vec(&m).unwrap_or_default()
}

/// A UDP socket on the multicast port, shared with other LocalSend programs on this
/// computer (SO_REUSEADDR), in the group, hearing its own messages (so that a LocalSend
/// client on the same computer, as in the tests, hears them too).
fn bind(port: u16) -> std::io::Result<tokio::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_reuse_address(true)?;
    #[cfg(unix)]
    socket.set_reuse_port(true)?;
    socket.bind(&SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)).into())?;
    socket.join_multicast_v4(&MULTICAST_GROUP, &Ipv4Addr::UNSPECIFIED)?;
    socket.set_multicast_loop_v4(true)?;
    socket.set_multicast_ttl_v4(1)?;
    socket.set_nonblocking(true)?;
    tokio::net::UdpSocket::from_std(socket.into())
}

/// This computer's address on the network that would carry multicast (no packet is sent:
/// connecting a UDP socket only picks a route).
pub(super) fn lan_address() -> Option<IpAddr> {
    let probe = UdpSocket::bind("0.0.0.0:0").ok()?;
    probe.connect((MULTICAST_GROUP, super::DEFAULT_PORT)).ok()?;
    let ip = probe.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}
