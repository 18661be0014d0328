#!/usr/bin/env python3
"""regfront.py PORT MODE [UPSTREAM] - test servers beside docker-registry.

MODE token: a Bearer token server (GET /token?service=..&scope=..) that
  signs RS256 JWTs with $TOKEN_KEY, whose certificate $TOKEN_CERT the
  registry trusts; pulls are anonymous, pushes need Basic test:secret.
MODE garbage: a token server that answers something that is not JSON.
Other modes front a plain-HTTP registry at UPSTREAM ("127.0.0.1:5000") and
misbehave on purpose:
  loop        every blob GET redirects to itself
  crosshost   blob GETs redirect to the same server under another host name
              (127.0.0.1 instead of localhost); /v2/ wants Basic auth; an
              Authorization header that reaches the other name is logged
              to $LEAK_LOG
  bigmanifest manifests come with 5 MiB of extra JSON whitespace
  longbody    blobs come with 100 more bytes than their size
  norange     Range is ignored: blobs always come whole, with 200
  badblob     one byte of every blob is changed
  badlayer    the same, for blobs over 2 KiB only: the layers, not the config
  slow        blobs come at about 10 MB/s (to be interrupted)
MODE proxy: an HTTP proxy (CONNECT tunnels, absolute-URI requests), which
  logs "CONNECT host:port" and "PROXY url" lines
Every request is logged to stderr as "METHOD PATH STATUS BYTES".
"""
import base64, http.client, json, os, subprocess, sys, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, MODE = int(sys.argv[1]), sys.argv[2]
UPSTREAM = sys.argv[3] if len(sys.argv) > 3 else None


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(claims):
    der = subprocess.run(["openssl", "x509", "-in", os.environ["TOKEN_CERT"],
                          "-outform", "DER"], capture_output=True,
                         check=True).stdout
    head = {"typ": "JWT", "alg": "RS256",
            "x5c": [base64.b64encode(der).decode()]}
    signing = (b64url(json.dumps(head).encode()) + "." +
               b64url(json.dumps(claims).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign",
                          os.environ["TOKEN_KEY"]], input=signing,
                         capture_output=True, check=True).stdout
    return signing.decode() + "." + b64url(sig)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if not any(k.lower() == "content-length" for k, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and MODE == "slow" and len(body) > 65536:
            for i in range(0, len(body), 65536):
                self.wfile.write(body[i:i + 65536])
                time.sleep(0.006)
        elif self.command != "HEAD":
            self.wfile.write(body)
        sys.stderr.write("%s %s %d %d\n" % (self.command, self.path, status,
                                            len(body)))
        sys.stderr.flush()

    def token(self):
        if MODE == "garbage":
            return self.send(200, b"<html>this is not a token</html>",
                             [("Content-Type", "text/html")])
        q = dict(p.split("=", 1) for p in
                 self.path.split("?", 1)[-1].split("&") if "=" in p)
        from urllib.parse import unquote
        scope = unquote(q.get("scope", ""))
        auth = self.headers.get("Authorization", "")
        user = None
        if auth.startswith("Basic "):
            u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
            if (u, p) != ("test", "secret"):
                return self.send(401, b'{"details":"bad credentials"}')
            user = u
        access = []
        for s in scope.split(" "):
            parts = s.split(":")
            if len(parts) == 3 and parts[0] == "repository":
                acts = parts[2].split(",")
                if not user:
                    acts = [a for a in acts if a == "pull"]
                access.append({"type": "repository", "name": parts[1],
                               "actions": acts})
        now = int(time.time())
        tok = jwt({"iss": "test-issuer", "sub": user or "", "aud":
                   unquote(q.get("service", "")), "exp": now + 600,
                   "nbf": now - 60, "iat": now, "jti": str(uuid.uuid4()),
                   "access": access})
        self.send(200, json.dumps({"token": tok, "expires_in": 600}).encode(),
                  [("Content-Type", "application/json")])

    def forward(self, extra_headers=()):
        c = http.client.HTTPConnection(UPSTREAM)
        body = None
        if "Content-Length" in self.headers:
            body = self.rfile.read(int(self.headers["Content-Length"]))
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() not in ("host", "authorization")}
        hdrs.update(dict(extra_headers))
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        headers = [(k, v) for k, v in r.getheaders()
                   if k.lower() not in ("content-length", "transfer-encoding",
                                        "connection")]
        return r.status, data, headers

    def handle_any(self):
        if self.path.startswith("/token"):
            return self.token()
        host = self.headers.get("Host", "")
        blob = "/blobs/sha256:" in self.path and self.command == "GET"
        if MODE == "crosshost":
            if host.startswith("127.0.0.1"):
                if self.headers.get("Authorization"):
                    with open(os.environ["LEAK_LOG"], "a") as f:
                        f.write("leaked %s\n" % self.headers["Authorization"])
            elif not self.headers.get("Authorization"):
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                                 [("WWW-Authenticate", 'Basic realm="x"')])
            elif blob:
                return self.send(307, b"", [("Location", "http://127.0.0.1:%d%s"
                                             % (PORT, self.path))])
        if MODE == "loop" and blob:
            return self.send(307, b"", [("Location", self.path)])
        if MODE == "norange" and "Range" in self.headers:
            del self.headers["Range"]
        status, data, headers = self.forward()
        if MODE == "bigmanifest" and "/manifests/" in self.path and status == 200:
            data = data.rstrip()[:-1] + b" " * (5 << 20) + b"}"
        if MODE == "longbody" and blob and status in (200, 206):
            data += b"x" * 100
        if (MODE == "badblob" or MODE == "badlayer" and len(data) > 2048) \
                and blob and status == 200 and data:
            data = bytes([data[0] ^ 1]) + data[1:]
        self.send(status, data, headers)

    def do_CONNECT(self):
        import select, socket
        host, _, port = self.path.rpartition(":")
        up = socket.create_connection((host, int(port)))
        self.send_response(200)
        self.end_headers()
        sys.stderr.write("CONNECT %s\n" % self.path)
        sys.stderr.flush()
        a, b = self.connection, up
        while True:
            r, _, _ = select.select([a, b], [], [], 30)
            if not r:
                break
            data = None
            for s in r:
                data = s.recv(65536)
                if not data:
                    break
                (b if s is a else a).sendall(data)
            if not data:
                break
        up.close()
        self.close_connection = True

    def proxied(self):
        from urllib.parse import urlsplit
        u = urlsplit(self.path)
        sys.stderr.write("PROXY %s\n" % self.path)
        sys.stderr.flush()
        c = http.client.HTTPConnection(u.netloc)
        body = None
        if "Content-Length" in self.headers:
            body = self.rfile.read(int(self.headers["Content-Length"]))
        hdrs = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        c.request(self.command, u.path + ("?" + u.query if u.query else ""),
                  body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        headers = [(k, v) for k, v in r.getheaders()
                   if k.lower() not in ("content-length", "transfer-encoding",
                                        "connection")]
        self.send(r.status, data, headers)

    def dispatch(self):
        if MODE == "proxy":
            return self.proxied()
        return self.handle_any()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = dispatch


ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
