#!/usr/bin/env python3
"""Signs adapter golden cases: replaces the header value "@sign" in each given
tests/adapters/testdata/<platform>/<case>.textproto with the platform's real
signature of the payload beside it, under the case's `secret`.

  Slack, Zoom: v0=hex HMAC-SHA256(secret, "v0:" + timestamp header + ":" + body)
  Webex:       hex HMAC-SHA1(secret, body)

Write "@sign" where a valid signature belongs, run
  python3 tests/adapters/sign_goldens.py tests/adapters/testdata/slack/new_case.textproto
and check one value by hand, e.g.
  (printf 'v0:1773133225:'; cat case.json) | openssl dgst -sha256 -hmac SECRET
"""
import hashlib, hmac, re, sys, pathlib

def sign(golden: pathlib.Path):
    text = golden.read_text()
    if '@sign' not in text:
        return
    stem = golden.with_suffix('')
    payload = next(p for p in golden.parent.iterdir() if p.stem == stem.name and p != golden).read_bytes()
    secret = re.search(r'^secret: "(.*)"', text, re.M).group(1).encode()
    platform = golden.parent.name
    if platform in ('slack', 'zoom'):
        tsh = 'x-slack-request-timestamp' if platform == 'slack' else 'x-zm-request-timestamp'
        ts = re.search(r'key: "%s"\s*value: "(\d+)"' % tsh, text).group(1)
        sig = 'v0=' + hmac.new(secret, b'v0:' + ts.encode() + b':' + payload, hashlib.sha256).hexdigest()
    elif platform == 'webex':
        sig = hmac.new(secret, payload, hashlib.sha1).hexdigest()
    else:
        raise SystemExit(f'{golden}: no signature scheme for {platform}')
    golden.write_text(text.replace('@sign', sig))
    print(golden, sig)

for arg in sys.argv[1:]:
    sign(pathlib.Path(arg).resolve())
