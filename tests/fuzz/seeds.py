#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<name>/) from the
test suite's own inputs: the example agreements and their test events, the
policies, JSON payloads and directory files written inline in the tests, and
decision-log records, checkpoints and proofs shaped like those the log tests
produce. Generated files are named "t-*"; a corpus may also hold hand-made seeds
(named otherwise), which this script leaves alone. Run it again after the tests
gain new inputs:

    python3 tests/fuzz/seeds.py
"""
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def raw_strings(path):
    """The C++ raw string literals R"(...)" of a test source, in order."""
    text = read(path).decode("utf-8")
    return [m.encode("utf-8") for m in re.findall(r'R"\((.*?)\)"', text, re.S)]


def write(target, seeds):
    out = os.path.join(CORPUS, target)
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith("t-"):
            os.remove(os.path.join(out, name))
    for i, data in enumerate(seeds):
        with open(os.path.join(out, "t-%03d" % i), "wb") as f:
            f.write(data)
    print("%-16s %3d seeds" % (target, len(seeds)))


# --- text inputs -----------------------------------------------------------

def suite_events(path):
    """Each test case's event block of a YAML test suite, as a standalone event."""
    text = read(path).decode("utf-8")
    events = []
    for block in re.findall(r"\n    event:\n((?:      .*\n)+)", text):
        events.append("\n".join(line[6:] for line in block.splitlines()).encode("utf-8") + b"\n")
    return events


def policy_yaml_seeds():
    seeds = []
    for name in ("nl-agreement", "de-agreement"):
        policy = read("policy/examples/%s.yaml" % name)
        seeds.append(policy)
        for event in suite_events("policy/examples/%s.tests.yaml" % name)[:6]:
            seeds.append(policy + b"\n#event\n" + event)
    evaluator = raw_strings("tests/policy/evaluator_test.cc")
    seeds += evaluator
    header, *fragments = raw_strings("tests/policy/validation_test.cc")
    seeds.append(header)
    seeds += [header + f for f in fragments]
    seeds += [s for s in raw_strings("tests/integration/grensctl_policy_test.cc") if s.startswith(b"id:")]
    return seeds


def json_seeds():
    seeds = raw_strings("tests/adapters/json_test.cc")
    seeds += [s for s in raw_strings("tests/adapters/field_reader_test.cc") if s.lstrip().startswith(b"{")]
    seeds += [s for s in raw_strings("tests/integration/grensctl_policy_test.cc") if s.lstrip().startswith(b"{")]
    return seeds


def directory_seeds():
    seeds = [s for s in raw_strings("tests/adapters/field_reader_test.cc") if s.startswith(b"people:")]
    seeds.append(b'people {\n  ids: "U024BE7LH"\n  ids: "anna@acme.example"\n  groups: "works-council"\n'
                 b'  time_zone: "Europe/Amsterdam"\n}\npeople {\n  ids: "5a1e"\n  groups: "shift-night"\n}\n')
    return seeds


def sidecar_config_seeds():
    return [
        b'listeners: [{address: "127.0.0.1:0"}]\npolicy_path: /p.yaml\n',
        b"policy_path: /etc/grens/agreement.yaml\ndata_dir: /var/lib/grens\n",
        b'policy_path: p.yaml\nlisteners: [{address: "0.0.0.0:0"}]\n',
        b'policy_path: p.yaml\nlisteners:\n  - {address: "unix:/run/grens.sock"}\n'
        b'  - {address: "[::1]:50051"}\n  - {address: "10.0.0.1:443", tls: {cert_file: c.pem, key_file: k.pem}}\n'
        b'limits: {max_message_bytes: 1048576, max_events_per_payload: 10}\nshutdown_grace: "30s"\n'
        b'decision_log: {backend: sqlite, checkpoint_interval: "1m", retention: "400d"}\n'
        b'platforms:\n  - {platform: teams, secret_file: /s, collector: c, purpose: p, replay_window: "5m"}\n'
        b'log_level: debug\ndirectory_file: dir.yaml\n',
        b'listeners { address: "127.0.0.1:50051" }\npolicy_path: "/p.yaml"\nshutdown_grace: "10s"\n',
    ]


# --- binary inputs ---------------------------------------------------------

def varint(n):
    n &= (1 << 64) - 1
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(number, value):
    """A protobuf field: int -> varint, bytes/str -> length-delimited."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode("utf-8")
    return varint((number << 3) | 2) + varint(len(value)) + value


def timestamp(seconds, nanos=0):
    return field(1, seconds) + (field(2, nanos) if nanos else b"")


def decision_record(index, category=1, effect=3, platform="teams"):
    """A LogRecord as MakeDecisionRecord and the writer shape it (field order)."""
    hexes = "9f2c" * 16
    return b"".join([
        field(1, index) if index else b"", field(2, timestamp(1773133200 + index, 250000000)), field(3, 1),
        field(4, "d-%04d" % index), field(5, effect), field(6, "1.1"), field(7, "presence-live"),
        field(8, hexes), field(9, category), field(10, platform), field(11, "acme"),
        field(12, "teams-presence"), field(13, "colleague_availability"), field(14, 1),
        field(16, "staff"), field(17, "Europe/Amsterdam"), field(18, timestamp(1773133100)),
        field(19, field(1, 86400)), field(20, b""), field(21, hexes[::-1]), field(23, "e%d" % index),
        field(29, "0123456789abcdef"),
    ])


def policy_record(index):
    change = field(1, "ab" * 32) + field(2, "cd" * 32) + field(3, 2) + field(4, "nl-agreement") + field(
        5, "/etc/grens/nl-agreement.yaml")
    return field(1, index) + field(2, timestamp(1773133200)) + field(3, 2) + field(8, "ab" * 32) + field(22, change)


def log_record_seeds():
    return [decision_record(0), decision_record(7, category=5, effect=2, platform="zoom"), policy_record(3),
            field(1, 9) + field(2, timestamp(1773133200)) + field(3, 4) + field(28, "pruned 0-8")]


def log_store_seeds():
    def query(*parts):
        q = b"".join(parts)
        return bytes([len(q)]) + q

    def rec(how, variant=0, body=b""):
        return bytes([how, variant]) + struct.pack("<H", len(body)) + body

    tmpl, ckpt = 0x40, 0x10
    filt = field(1, field(1, timestamp(1773133200)) + field(2, timestamp(1773233200)) + field(3, 1) +
                 field(4, "teams") + field(7, "1.1") + field(8, 1))
    summary = filt + field(2, 1) + field(2, 5) + field(3, 2) + field(4, 1)
    honest = b"".join(rec(tmpl | (ckpt if i in (3, 7) else 0), i * 37 % 256) for i in range(8))
    return [
        query() + b"\x00" + honest,
        query(summary) + b"\x03" + honest,
        query(field(2, 3)) + b"\x02" + rec(tmpl, 1) + rec(tmpl | 0x04, 2) + rec(tmpl | ckpt, 3),
        query(filt) + b"\x00" + rec(0, 0, decision_record(0)) + rec(0, 0, decision_record(1)) + rec(ckpt, 0, decision_record(2)),
        query() + b"\x01" + rec(tmpl) + rec(tmpl | 0x08, 1) + rec(tmpl | 0x01, 2, b"x" * 32) + rec(tmpl | 0x20, 1),
    ]


def merkle_seeds():
    # leaves, mode (bit 0 inclusion, bit 1 wide numbers), numbers..., edits
    return [
        bytes([6, 1, 3, 6, 3, 0]), bytes([6, 0, 3, 6, 0, 0]), bytes([31, 1, 17, 30, 17, 1, 2, 0]),
        bytes([39, 0, 8, 39, 40, 0]), bytes([39, 0, 8, 39, 2, 1, 4, 0]) + b"\x07" * 32,
        bytes([16, 3]) + struct.pack("<q", 5) + struct.pack("<q", 16) + bytes([5, 0]),
        bytes([16, 2]) + struct.pack("<q", 4) + struct.pack("<q", -1) + bytes([0, 0]),
    ]


def event(category, seconds, subject=b"", extra=b""):
    """A MonitoringEvent as a client serializes it."""
    return (field(1, "e1") + field(2, "teams") + field(3, "acme") + field(4, "teams-presence") +
            field(5, category) + field(6, field(1, "u-1001") + subject) + field(7, timestamp(seconds)) +
            field(8, "colleague_availability") + extra)


def event_seeds():
    content = field(14, field(1, "body") + field(2, "mail jan@example.nl, BSN 111222333, IBAN NL91ABNA0417164300"))
    return [
        event(1, 1773133200),                                          # presence, Tue 10:00 Amsterdam
        event(1, 1773178200),                                          # presence at 22:30
        event(5, 1773133200),                                          # screenshot
        event(9, 1773133200, extra=content + field(11, field(1, 400 * 86400))),
        event(19, 1773133200, field(2, "works-council") + field(3, "Europe/Berlin"),
              field(9, 3) + field(10, 3) + field(12, 2)),              # aggregate, covert
        event(11, 1773133200, extra=field(13, field(1, "meeting") + field(2, "standup"))),
        event(99, 253402300799),                                       # unknown category, year 9999
        event(1, -62135596800, extra=field(11, field(1, 2**62))),      # year 1, huge retention
    ]


def checkpoint_seeds():
    root = bytes(range(32))
    signed = b"\x00" + bytes([5]) + b"grens" + struct.pack("<q", 1000) + root + struct.pack("<q", 1773133200)
    text = b"grens checkpoint v1\ngrens\n1000\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n1773133200000000000\n"
    proto = (field(1, "grens") + field(2, 1000) + field(3, root) + field(4, timestamp(1773133200)) +
             field(5, b"\x01" * 64) + field(6, b"\x02" * 32) + field(7, text))
    return [signed + bytes([w, 3]) + b"abc" for w in range(7)] + [b"\x01" + proto]


def main():
    write("policy_yaml", policy_yaml_seeds())
    write("json", json_seeds())
    write("directory", directory_seeds())
    write("sidecar_config", sidecar_config_seeds())
    write("log_record", log_record_seeds())
    write("log_store", log_store_seeds())
    write("merkle", merkle_seeds())
    write("checkpoint", checkpoint_seeds())
    write("event", event_seeds())
    return 0


if __name__ == "__main__":
    sys.exit(main())
