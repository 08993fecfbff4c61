"""Checks of deploy/ that run something: grensd, grensctl, systemd-analyze,
readelf/ldd/dpkg for the image's runtime packages."""

import fnmatch
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request

import yaml

from deploy_checks import grensd_config, host_port

EXAMPLE_CONFIGS = ["deploy/docker/grensd.yaml", "deploy/kubernetes/base/grensd.yaml", "deploy/systemd/grensd.yaml",
                   "adapters/ext_authz/examples/grensd.yaml"]
# Packages every debian:12-slim image has (apt and dpkg depend on them).
BASE_PACKAGES = {"libc6", "libstdc++6", "libgcc-s1", "zlib1g"}


def _run(args, **kwargs):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


class _ProcessLog:
    """grensd's stderr, read line by line on a thread as grensd writes it and
    kept in a file for failure messages. Waits wake on each new line (every
    state change the checks wait for is logged after it happened) or when
    grensd exits, never on a timer."""

    def __init__(self, process, path):
        self._lines, self._ended = [], False
        self._changed = threading.Condition()
        self._path = path
        self._thread = threading.Thread(target=self._read, args=(process.stderr,), daemon=True)
        self._thread.start()

    def _read(self, pipe):
        with open(self._path, "w") as copy:
            for line in pipe:
                copy.write(line)
                copy.flush()
                with self._changed:
                    self._lines.append(line)
                    self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for(self, msg, count=1, seconds=30):
        """The `count`-th line with message `msg` (a dict of its fields), or
        None if grensd exits or `seconds` pass first."""
        def found():
            hits = [line for line in self._lines if f'"msg":"{msg}"' in line]
            return hits[count - 1] if len(hits) >= count else None
        with self._changed:
            self._changed.wait_for(lambda: found() is not None or self._ended, seconds)
            line = found()
        return json.loads(line) if line else None

    def text(self):
        with self._changed:
            return "".join(self._lines)


# ---- systemd ----------------------------------------------------------------

REQUIRED_UNIT_LINES = [
    r"^ProtectSystem=strict$", r"^StateDirectory=grens$", r"^NoNewPrivileges=yes$", r"^PrivateTmp=yes$",
    r"^ProtectHome=yes$", r"^RestrictAddressFamilies=", r"^SystemCallFilter=", r"^CapabilityBoundingSet=$",
    r"^(DynamicUser=yes|User=\S+)$", r"^ExecReload=.*-HUP \$MAINPID$", r"^ExecStart=/usr/local/bin/grensd --config (\S+)$",
]


def verify_systemd_unit(source, bin_dir, analyze):
    failures = []
    with open(os.path.join(source, "deploy/systemd/grensd.service")) as f:
        unit = f.read()
    for pattern in REQUIRED_UNIT_LINES:
        if not re.search(pattern, unit, re.MULTILINE):
            failures.append(f"grensd.service: no line matching {pattern}")
    config_path = re.search(r"^ExecStart=\S+ --config (\S+)$", unit, re.MULTILINE)
    with open(os.path.join(source, "deploy/systemd/grensd.yaml")) as f:
        config = yaml.safe_load(f)
    if config_path and config_path.group(1) != "/etc/grens/grensd.yaml":
        failures.append("grensd.service: --config is not /etc/grens/grensd.yaml (the install steps)")
    if config.get("data_dir") != "/var/lib/grens":
        failures.append("deploy/systemd/grensd.yaml: data_dir is not the StateDirectory /var/lib/grens")
    with tempfile.TemporaryDirectory() as tmp:
        # verify insists that ExecStart's binary exists: point it at the build.
        path = os.path.join(tmp, "grensd.service")
        with open(path, "w") as f:
            f.write(unit.replace("/usr/local/bin/grensd", os.path.join(os.path.abspath(bin_dir), "grensd")))
        result = _run([analyze, "verify", path])
        print(f"$ systemd-analyze verify grensd.service  (exit {result.returncode})\n{result.stdout}", end="")
        # Unknown keys are only warnings (exit 0): any output counts as failure.
        if result.returncode != 0 or result.stdout.strip():
            failures.append(f"systemd-analyze verify: exit {result.returncode}: {result.stdout.strip()}")
        security = _run([analyze, "security", "--offline=true", path])
        print(security.stdout.strip().splitlines()[-1] if security.stdout.strip() else "")
    return failures


# ---- the agreement in the overlay ------------------------------------------

def check_overlay_policy(source, bin_dir, k8s, failures):
    """The overlay's agreement is the example's, and passes its own tests."""
    keys = k8s.config_maps.get("grens-policy", {})
    if "agreement.yaml" not in keys:
        failures.append("overlay: ConfigMap grens-policy has no agreement.yaml")
        return
    for key, file in keys.items():
        original = os.path.join(source, "policy/examples", os.path.basename(file))
        with open(file, "rb") as a, open(original, "rb") as b:
            if a.read() != b.read():
                failures.append(f"{os.path.relpath(file, source)} differs from policy/examples: copy it again")
    result = _run([os.path.join(bin_dir, "grensctl"), "policy", "test", keys["agreement.yaml"]])
    if result.returncode != 0:
        failures.append(f"grensctl policy test on the overlay's agreement failed:\n{result.stdout}")


# ---- Dockerfile -------------------------------------------------------------

def _instructions(path):
    """[(INSTRUCTION, argument text)] with continuation lines joined."""
    out, current = [], ""
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.lstrip().startswith("#") and not current:
                continue
            current += line[:-1] + " " if line.endswith("\\") else line
            if not line.endswith("\\"):
                if current.strip():
                    word, _, rest = current.strip().partition(" ")
                    out.append((word.upper(), rest.strip()))
                current = ""
    return out


def _dockerignored(source, rel):
    """Whether .dockerignore keeps `rel` out of the build context (last match wins;
    a pattern matching a parent directory matches its contents)."""
    with open(os.path.join(source, ".dockerignore")) as f:
        patterns = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    parts = rel.strip("/").split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    excluded = False
    for p in patterns:
        negate = p.startswith("!")
        p = p.lstrip("!").strip("/")
        if any(fnmatch.fnmatchcase(prefix, p) for prefix in prefixes):
            excluded = not negate
    return excluded


def _apt_packages(text):
    m = re.search(r"apt-get install [^&]*", text)
    return set(w for w in m.group(0).split() if re.match(r"^[a-z0-9][a-z0-9+.-]+$", w)) - {"apt-get", "install"} \
        if m else set()


def check_dockerfile(source, bin_dir, failures):
    path = os.path.join(source, "deploy/Dockerfile")
    ins = _instructions(path)
    froms = [a for i, a in ins if i == "FROM"]
    if len(froms) < 2 or not froms[0].startswith("debian:12 ") or froms[-1] != "debian:12-slim":
        failures.append(f"Dockerfile: stages {froms}: build on debian:12, run on debian:12-slim")
    with open(os.path.join(source, "deploy/docker/grensd.yaml")) as f:
        config = yaml.safe_load(f)
    copies = {}
    for i, a in ins:
        if i != "COPY" or "--from=" in a:
            continue
        words = shlex.split(a)
        for src in words[:-1]:
            if not os.path.exists(os.path.join(source, src)):
                failures.append(f"Dockerfile: COPY {src}: no such file in the repository")
            elif _dockerignored(source, src):
                failures.append(f"Dockerfile: COPY {src}: excluded by .dockerignore")
            copies.setdefault(words[-1], []).append(src)
    user = [a for i, a in ins if i == "USER"]
    if not user or not re.match(r"^[1-9][0-9]*(:[1-9][0-9]*)?$", user[-1]):
        failures.append(f"Dockerfile: USER {user}: must be a numeric non-root uid (runAsNonRoot checks it)")
    health = " ".join(a for i, a in ins if i == "HEALTHCHECK")
    m = re.search(r'"--addr", "([^"]+)"', health)
    if not m or "grensctl" not in health or host_port(m.group(1))[1] != host_port(config["health_address"])[1]:
        failures.append("Dockerfile: HEALTHCHECK must run grensctl health on the config's health_address port")
    exposed = " ".join(a for i, a in ins if i == "EXPOSE").split()
    for key in ("metrics_address", "health_address"):
        if str(host_port(config[key])[1]) not in exposed:
            failures.append(f"Dockerfile: EXPOSE lacks {key}'s port")
    cmd = " ".join(a for i, a in ins if i == "CMD")
    if '"/etc/grens/grensd.yaml"' not in cmd or ["deploy/docker/grensd.yaml"] != copies.get("/etc/grens/grensd.yaml"):
        failures.append("Dockerfile: CMD --config must be where deploy/docker/grensd.yaml is copied")
    policy_dir, policy_name = os.path.split(config["policy_path"])
    if not any(os.path.basename(s) == policy_name for s in copies.get(policy_dir + "/", [])):
        failures.append(f"Dockerfile: the config's policy_path {config['policy_path']} is not copied into the image")
    routes = config.get("ext_authz", {}).get("route_table_file")
    if routes and routes not in copies:
        failures.append(f"Dockerfile: the config's ext_authz.route_table_file {routes} is not copied into the image")
    if f'"{config["data_dir"]}"' not in " ".join(a for i, a in ins if i == "VOLUME"):
        failures.append("Dockerfile: data_dir is not a VOLUME (the only writable place)")
    runs = [a for i, a in ins if i == "RUN"]
    build_packages, runtime_packages = _apt_packages(runs[0]), _apt_packages(runs[-1])
    with open(os.path.join(source, "deploy/setup.sh")) as f:
        setup = f.read()
    for p in sorted(build_packages - set(setup.split())):
        failures.append(f"Dockerfile: build package {p} is not in deploy/setup.sh PACKAGES")
    _check_runtime_packages(bin_dir, runtime_packages, failures)


def _packages_of(lib_paths):
    """{library path: Debian package}, in one dpkg query (dpkg -S is slow). A
    merged-/usr system knows a file under /lib or /usr/lib: ask for both."""
    variants = {}
    for path in lib_paths:
        for v in {path, os.path.realpath(path), re.sub(r"^/usr", "", path), "/usr" + path if
                  not path.startswith("/usr") else path}:
            variants[v] = path
    result = subprocess.run(["dpkg", "-S"] + sorted(variants), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    out = {}
    for line in result.stdout.splitlines():
        package, _, file = line.partition(": ")
        if file in variants:
            out[variants[file]] = package.split(":")[0].split(",")[0].strip()
    return out


def _check_runtime_packages(bin_dir, runtime_packages, failures):
    """Every library the binaries link directly comes from a package the
    runtime stage installs (or the slim base has)."""
    linked = {}  # library path -> (tool, soname)
    for tool in ("grensd", "grensctl"):
        binary = os.path.join(bin_dir, tool)
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", _run(["readelf", "-d", binary]).stdout)
        resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", _run(["ldd", binary]).stdout, re.MULTILINE))
        for lib in needed:
            if lib not in resolved:
                failures.append(f"{tool}: cannot resolve {lib} with ldd")
            else:
                linked.setdefault(resolved[lib], (tool, lib))
    packages = _packages_of(linked)
    for path, (tool, lib) in sorted(linked.items()):
        package = packages.get(path)
        if package is None:
            failures.append(f"{tool}: {lib} ({path}) belongs to no Debian package")
        elif package not in runtime_packages | BASE_PACKAGES:
            failures.append(f"Dockerfile: runtime stage lacks {package} ({tool} links {lib})")
    for p in ("tzdata", "ca-certificates"):
        if p not in runtime_packages:
            failures.append(f"Dockerfile: runtime stage lacks {p}")


# ---- grensd with the example configs ---------------------------------------

def check_print_config(source, bin_dir, failures):
    """Each example config loads and validates in the real grensd."""
    for rel in EXAMPLE_CONFIGS:
        with open(os.path.join(source, rel)) as f:
            config = yaml.safe_load(f)
        result = _run([os.path.join(bin_dir, "grensd"), "--config", os.path.join(source, rel), "--print_config"])
        if result.returncode != 0:
            failures.append(f"grensd --config {rel} --print_config: exit {result.returncode}: {result.stdout}")
            continue
        for key in ("policy_path", "data_dir", "metrics_address"):
            if key in config and f'{key}: "{config[key]}"' not in result.stdout:
                failures.append(f"grensd --print_config {rel}: {key} is not {config[key]}")
        routes = config.get("ext_authz", {}).get("route_table_file", "")
        if routes and not routes.startswith("/") and not os.path.isfile(os.path.join(source, routes)):
            failures.append(f"{rel}: ext_authz.route_table_file {routes} does not exist (paths are from the repo root)")


def _kubelet_configmap(directory, files, generation):
    """Writes `files` ({key: bytes}) the way the kubelet projects a ConfigMap:
    a timestamped directory, `..data` pointing at it (swapped atomically by
    rename), and each key a symlink through `..data`."""
    os.makedirs(directory, exist_ok=True)
    stamp = f"..2026_01_01_00_00_0{generation}.000000000"
    os.mkdir(os.path.join(directory, stamp))
    for key, data in files.items():
        with open(os.path.join(directory, stamp, key), "wb") as f:
            f.write(data)
    tmp_link = os.path.join(directory, "..data_tmp")
    os.symlink(stamp, tmp_link)
    os.rename(tmp_link, os.path.join(directory, "..data"))
    for key in files:
        link = os.path.join(directory, key)
        if not os.path.islink(link):
            os.symlink(os.path.join("..data", key), link)


def _get(address, path):
    try:
        with urllib.request.urlopen(f"http://{address}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _revision(metrics):
    m = re.search(r'^grens_policy_info\{policy_id="[^"]*",revision="([0-9a-f]+)"\} 1$', metrics, re.MULTILINE)
    return m.group(1) if m else None


def check_pod_layout_runs(source, bin_dir, k8s, failures):
    """grensd with the pod's config, its mounts recreated in a temporary
    directory: the agreement activates, health and /readyz answer, and a
    ConfigMap update (a `..data` swap) is reloaded in place."""
    grensd, config = grensd_config(k8s)
    policy_keys = k8s.config_maps.get("grens-policy", {})
    if not config or "agreement.yaml" not in policy_keys:
        failures.append("pod layout run: no grensd config or agreement to run with")
        return
    with tempfile.TemporaryDirectory() as tmp:
        mounts = {m["mountPath"]: os.path.join(tmp, m["name"]) for m in grensd.get("volumeMounts", [])}

        def local(path):
            matching = [m for m in mounts if path == m or path.startswith(m + "/")]
            if not matching:
                raise ValueError(f"nothing is mounted at {path} in container grensd")
            mount = max(matching, key=len)
            return mounts[mount] + path[len(mount):]

        files = {key: open(path, "rb").read() for key, path in policy_keys.items()}
        policy_path = local(config["policy_path"])
        _kubelet_configmap(os.path.dirname(policy_path), files, 1)
        routes_path = config.get("ext_authz", {}).get("route_table_file")
        routes = k8s.config_maps.get("grens-routes", {})
        if routes_path:
            _kubelet_configmap(os.path.dirname(local(routes_path)),
                               {key: open(path, "rb").read() for key, path in routes.items()}, 1)
            config["ext_authz"]["route_table_file"] = local(routes_path)
        os.makedirs(os.path.dirname(local(config["pseudonym_key_file"])), exist_ok=True)
        with open(local(config["pseudonym_key_file"]), "wb") as f:
            f.write(os.urandom(32))
        _run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", local(config["signing_key_file"])])
        for key in ("policy_path", "pseudonym_key_file", "signing_key_file", "data_dir"):
            config[key] = local(config[key])
        config["listeners"] = [{"address": "127.0.0.1:0"}]
        config["metrics_address"] = config["health_address"] = "127.0.0.1:0"
        config_path = os.path.join(tmp, "grensd.yaml")
        with open(config_path, "w") as f:
            yaml.safe_dump(config, f)
        process = subprocess.Popen([os.path.join(bin_dir, "grensd"), "--config", config_path],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        log = _ProcessLog(process, os.path.join(tmp, "grensd.stderr"))
        try:
            _exercise_pod_layout(bin_dir, files, policy_path, log, process, failures,
                                 _route_count(routes.get(os.path.basename(routes_path or ""))))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def _route_count(path):
    if path is None:
        return None
    with open(path) as f:
        return len((yaml.safe_load(f) or {}).get("routes", []))


def _exercise_pod_layout(bin_dir, files, policy_path, log, process, failures, routes):
    serving = log.wait_for("grensd serving")
    if serving is None:
        failures.append(f"pod layout run: grensd did not come up:\n{log.text()}")
        return
    # The route table Envoy's calls are matched with: loaded whole by the real grensd.
    loaded = log.wait_for("ext_authz ready", seconds=0)
    if routes is None or loaded is None or int(loaded["routes"]) != routes:
        failures.append(f"pod layout run: grensd did not load the route table's {routes} routes "
                        f"(log: {loaded if loaded else 'no ext_authz ready line'})")
    address = serving["addresses"].split(",")[0]
    metrics = log.wait_for("metrics serving", seconds=0)["address"]
    health = log.wait_for("health listener serving", seconds=0)["address"]
    for addr in (address, health):
        result = _run([os.path.join(bin_dir, "grensctl"), "health", "--addr", addr])
        if result.returncode != 0:
            failures.append(f"pod layout run: grensctl health --addr {addr}: {result.stdout}")
    if _get(metrics, "/readyz") != (200, "ready\n"):
        failures.append(f"pod layout run: /readyz is {_get(metrics, '/readyz')}")
    first = _revision(_get(metrics, "/metrics")[1])
    # A ConfigMap update: the kubelet swaps ..data; grensd reloads in place
    # (its second activation; the first was at start-up).
    edited = dict(files)
    edited["agreement.yaml"] = files["agreement.yaml"] + b"\n# edited through the ConfigMap\n"
    _kubelet_configmap(os.path.dirname(policy_path), edited, 2)
    log.wait_for("policy activated", count=2, seconds=20)
    second = _revision(_get(metrics, "/metrics")[1])
    if second in (None, first):
        failures.append(f"pod layout run: no reload after the ..data swap:\n{log.text()}")
    broken = dict(files)
    broken["agreement.yaml"] = b"id: [broken\n"
    _kubelet_configmap(os.path.dirname(policy_path), broken, 3)
    log.wait_for("policy rejected; the active policy stays", seconds=20)
    metrics_text = _get(metrics, "/metrics")[1]
    if "grens_policy_reload_failures_total 1\n" not in metrics_text or _revision(metrics_text) != second:
        failures.append("pod layout run: a broken ConfigMap update must be rejected and the agreement kept")
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        code = None
    if code != 0:
        failures.append(f"pod layout run: grensd exited {code} on SIGTERM:\n{log.text()}")
    print(f"pod layout run: {routes} routes loaded; revisions {first[:12] if first else None} -> "
          f"{second[:12] if second else None}, broken update rejected")


# ---- kustomize, where it is installed ----------------------------------------

def check_kustomize_build(source, failures):
    """`kubectl kustomize` (or `kustomize build`) renders the overlay, and every
    ConfigMap the pod mounts is in the output under its generated name. Not a
    Debian package: skipped (with a note) where neither tool is installed."""
    overlay = os.path.join(source, "deploy/kubernetes/overlays/example")
    if shutil.which("kubectl"):
        command = ["kubectl", "kustomize", overlay]
    elif shutil.which("kustomize"):
        command = ["kustomize", "build", overlay]
    else:
        print("kustomize build: neither kubectl nor kustomize is installed; not rendered")
        return
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        failures.append(f"{' '.join(command[:2])}: exit {result.returncode}: {result.stderr.strip()}")
        return
    objects = [d for d in yaml.safe_load_all(result.stdout) if d]
    config_maps = {o["metadata"]["name"] for o in objects if o.get("kind") == "ConfigMap"}
    pods = [o["spec"]["template"]["spec"] for o in objects if o.get("kind") == "Deployment"]
    mounted = {v["configMap"]["name"] for spec in pods for v in spec.get("volumes", []) if "configMap" in v}
    for name in sorted(mounted - config_maps):
        failures.append(f"kustomize build: the pod mounts ConfigMap {name}, which the output does not contain")
    print(f"kustomize build: {len(objects)} objects, ConfigMaps {sorted(config_maps)}")
