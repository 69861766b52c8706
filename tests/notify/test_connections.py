"""Webhook connections (registry.notify.connections): kept alive, pinned to the checked
address, TLS checked against the host's name, answers read only so far."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from registry.notify.connections import ConnectError, Connections, _BoundedSocket
from registry.notify.safety import ResolvedTarget, attempt_deadline


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class KeepAliveReceiver:
    """HTTP/1.1 on 127.0.0.1, keeping connections open; counts connections and requests,
    and answers `answer_bytes` of body (drip: one byte per `drip` seconds)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        receiver = self
        self.connections = 0
        self.requests: list[dict[str, str]] = []
        self.server_names: list[str | None] = []
        self.answer_bytes = 2
        self.drip = 0.0
        self.close_after_answer = False

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                receiver.connections += 1
                super().setup()

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({k.lower(): v for k, v in self.headers.items()})
                self.send_response(200)
                self.send_header("Content-Length", str(receiver.answer_bytes))
                self.end_headers()
                for _ in range(receiver.answer_bytes):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(receiver.drip)
                # Closes without saying so, as a receiver whose idle timeout ran out.
                self.close_connection = receiver.close_after_answer

            def log_message(self, *args) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        if tls is not None:
            tls.sni_callback = lambda sock, name, context: self.server_names.append(name)
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def target(self, host: str = "hooks.test", scheme: str = "http") -> ResolvedTarget:
        """`host` checked and found at 127.0.0.1 (the name itself resolves nowhere)."""
        return ResolvedTarget(f"{scheme}://{host}:{self.port}/hook", scheme, host, self.port,
                              "/hook", ("127.0.0.1",))


def post(connections: Connections, target: ResolvedTarget, **headers: str) -> int:
    return connections.post(target, b'{"a":1}', {"Host": f"{target.host}:{target.port}",
                                                 **headers}, read_at_most=4096)


@pytest.fixture
def connections() -> Iterator[Connections]:
    pool = Connections(timeout=5)
    yield pool
    pool.close()


def test_one_connection_serves_one_attempt_after_another(connections):
    with KeepAliveReceiver() as receiver:
        statuses = [post(connections, receiver.target()) for _ in range(20)]
    assert statuses == [200] * 20
    assert (connections.opened, receiver.connections, len(receiver.requests)) == (1, 1, 20)


def test_a_request_is_written_in_one_write(connections, monkeypatch):
    writes: list[bytes] = []
    real = _BoundedSocket.sendall

    def counted(self, data) -> None:
        writes.append(bytes(data))
        real(self, data)

    monkeypatch.setattr(_BoundedSocket, "sendall", counted)
    with KeepAliveReceiver() as receiver:
        assert [post(connections, receiver.target()) for _ in range(3)] == [200] * 3
    assert len(writes) == 3  # head and body together, once per request
    head, _, body = writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /hook HTTP/1.1\r\n") and body == b'{"a":1}'
    assert len(receiver.requests) == 3


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(connections):
    with KeepAliveReceiver() as receiver:
        assert post(connections, receiver.target("hooks.test")) == 200  # never resolved
    assert receiver.requests[0]["host"] == f"hooks.test:{receiver.port}"


def test_an_answer_longer_than_the_limit_ends_its_connection(connections):
    with KeepAliveReceiver() as receiver:
        receiver.answer_bytes = 300
        target = receiver.target()
        assert connections.post(target, b"{}", {}, read_at_most=100) == 200
        assert connections.post(target, b"{}", {}, read_at_most=100) == 200
    assert connections.opened == 2


def test_a_connection_the_receiver_closed_while_idle_is_not_used_again(connections):
    with KeepAliveReceiver() as receiver:
        receiver.close_after_answer = True
        target = receiver.target()
        assert post(connections, target) == 200
        time.sleep(0.1)  # the receiver's close has arrived
        assert post(connections, target) == 200
    assert connections.opened == 2 and len(receiver.requests) == 2


def test_a_refused_connection_is_a_connect_error(connections):
    with KeepAliveReceiver() as receiver:
        target = receiver.target()
    with pytest.raises(ConnectError, match="refused"):
        post(connections, target)


def test_a_dripping_answer_ends_by_the_attempts_deadline(connections):
    with KeepAliveReceiver() as receiver:
        receiver.answer_bytes, receiver.drip = 50, 0.1
        started = time.monotonic()
        with pytest.raises(TimeoutError), attempt_deadline(0.5):
            post(connections, receiver.target())
        assert time.monotonic() - started < 1.5


# -- TLS ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for hooks.test (and no other name), key beside it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.test")]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def tls_pair(certificate) -> tuple[ssl.SSLContext, Connections]:
    cert, key = certificate
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, Connections(timeout=5, tls=client)


def test_tls_sends_the_name_and_checks_the_certificate_against_it(certificate):
    server, connections = tls_pair(certificate)
    try:
        with KeepAliveReceiver(tls=server) as receiver:
            target = receiver.target("hooks.test", scheme="https")
            assert [post(connections, target) for _ in range(3)] == [200] * 3
        assert receiver.server_names[:1] == ["hooks.test"]
        assert connections.opened == 1
    finally:
        connections.close()


def test_tls_refuses_a_certificate_for_another_name(certificate):
    server, connections = tls_pair(certificate)
    try:
        with KeepAliveReceiver(tls=server) as receiver, \
                pytest.raises(ConnectError, match="certificate verify failed"):
            post(connections, receiver.target("other.test", scheme="https"))
    finally:
        connections.close()
