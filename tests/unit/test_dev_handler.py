"""How the local server's HTTP handler (devserver/handler.py) writes its answers, on a real
loopback socket in this process: behaviour only (one write per response, Nagle off), never speed."""

import socket

from devserver.handler import DevRequestHandler

HEALTH = b'{"status":"ok"}'


class StubGateway:
    """Answers every request as the app answers GET /health."""

    def handle_request(self, method, path, headers, body):
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "multiValueHeaders": {}, "body": HEALTH}


class RecordingSocket:
    """The accepted socket, noting what each sendall sends."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self.sent: list[bytes] = []

    def sendall(self, data) -> None:
        self.sent.append(bytes(data))
        self._sock.sendall(data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def test_each_answer_on_a_kept_alive_connection_is_one_write_with_nagle_off():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        accepted, address = listener.accept()
    with client, accepted:
        request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        client.sendall(request + request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        recording = RecordingSocket(accepted)
        DevRequestHandler(recording, address, None, None, None, gateway=StubGateway(), tables=None)

        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert len(recording.sent) == 2  # two requests on the one connection, one write each
        for answer in recording.sent:
            assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"\r\n\r\n" + HEALTH)
