"""Static checks of deploy/: YAML, kustomize, Kubernetes, Envoy and Istio.

Every check appends human-readable failures to a list instead of stopping at
the first, so one run shows everything that is wrong.
"""

import glob
import os

import yaml


def parse_all_yaml(source, failures):
    """Parses every YAML file under deploy/; returns {relative path: [documents]}."""
    docs = {}
    for path in sorted(glob.glob(os.path.join(source, "deploy", "**", "*.y*ml"), recursive=True)):
        rel = os.path.relpath(path, source)
        try:
            with open(path) as f:
                docs[rel] = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            failures.append(f"{rel}: does not parse: {e}")
    if not docs:
        failures.append("deploy/: no YAML files found")
    return docs


def host_port(address):
    """'0.0.0.0:9090' or '[::]:9090' -> ('0.0.0.0', 9090)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


class Kustomized:
    """A kustomization and its bases, resolved far enough to check references:
    the objects of every resource file, the keys of every generated ConfigMap
    (name -> {key: file}), the image overrides and the patches (which must
    exist). Not a kustomize implementation: patches are not applied."""

    def __init__(self, source, directory, failures):
        self.source = source
        self.failures = failures
        self.objects = []
        self.config_maps = {}
        self.images = []
        self._load(os.path.join(source, directory))

    def _rel(self, path):
        return os.path.relpath(path, self.source)

    def _load(self, directory):
        path = os.path.join(directory, "kustomization.yaml")
        if not os.path.isfile(path):
            self.failures.append(f"{self._rel(directory)}: no kustomization.yaml")
            return
        with open(path) as f:
            k = yaml.safe_load(f) or {}
        for resource in k.get("resources", []):
            target = os.path.normpath(os.path.join(directory, resource))
            if os.path.isdir(target):
                self._load(target)
            elif os.path.isfile(target):
                with open(target) as f:
                    self.objects.extend(d for d in yaml.safe_load_all(f) if d)
            else:
                self.failures.append(f"{self._rel(path)}: resource {resource} does not exist")
        for patch in k.get("patches", []) + [{"path": p} for p in k.get("patchesStrategicMerge", [])]:
            if "path" in patch and not os.path.isfile(os.path.join(directory, patch["path"])):
                self.failures.append(f"{self._rel(path)}: patch {patch['path']} does not exist")
        for gen in k.get("configMapGenerator", []):
            keys = self.config_maps.setdefault(gen["name"], {})
            for entry in gen.get("files", []):
                key, _, file = entry.partition("=") if "=" in entry else (os.path.basename(entry), "", entry)
                full = os.path.join(directory, file)
                if not os.path.isfile(full):
                    self.failures.append(f"{self._rel(path)}: configMapGenerator {gen['name']}: {file} does not exist")
                keys[key] = full
        self.images.extend(k.get("images", []))

    def one(self, kind, name=None):
        found = [o for o in self.objects if o.get("kind") == kind and (name is None or o["metadata"]["name"] == name)]
        if len(found) != 1:
            self.failures.append(f"expected one {kind} {name or ''}, found {len(found)}")
            return {}
        return found[0]

    def pod(self):
        return self.one("Deployment").get("spec", {}).get("template", {})

    def container(self, name):
        for c in self.pod().get("spec", {}).get("containers", []):
            if c["name"] == name:
                return c
        self.failures.append(f"Deployment: no container {name}")
        return {"name": name}

    def container_port(self, container, port_name):
        for p in container.get("ports", []):
            if p.get("name") == port_name:
                return p["containerPort"]
        self.failures.append(f"container {container['name']}: no port named {port_name}")
        return None

    def resolve_path(self, container, path):
        """Which volume serves `path` in `container`: (volume, path inside the volume)."""
        best = None
        for m in container.get("volumeMounts", []):
            mount = m["mountPath"].rstrip("/")
            if path == mount or path.startswith(mount + "/"):
                if best is None or len(mount) > len(best["mountPath"].rstrip("/")):
                    best = m
        if best is None:
            self.failures.append(f"container {container['name']}: nothing is mounted at {path}")
            return None, None
        if "subPath" in best:
            self.failures.append(f"container {container['name']}: {best['mountPath']} uses subPath, "
                                 "which never sees ConfigMap or Secret updates")
        volumes = {v["name"]: v for v in self.pod()["spec"].get("volumes", [])}
        if best["name"] not in volumes:
            self.failures.append(f"volumeMount {best['name']}: no such volume")
            return None, None
        return volumes[best["name"]], os.path.relpath(path, best["mountPath"])

    def check_file_in_volume(self, container, path, what):
        """`path` is a key of the ConfigMap or an item of the Secret mounted there."""
        volume, key = self.resolve_path(container, path)
        if volume is None:
            return None
        if "configMap" in volume:
            cm = volume["configMap"]["name"]
            keys = self.config_maps.get(cm)
            if keys is None:
                self.failures.append(f"{what} {path}: ConfigMap {cm} is not generated by the kustomization")
            elif key not in keys:
                self.failures.append(f"{what} {path}: ConfigMap {cm} has no key {key} (has {sorted(keys)})")
            else:
                return keys[key]
        elif "secret" in volume:
            items = [i["path"] for i in volume["secret"].get("items", [])]
            if items and key not in items:
                self.failures.append(f"{what} {path}: Secret {volume['secret']['secretName']} mounts no {key}")
        else:
            self.failures.append(f"{what} {path}: mounted from {sorted(volume)} instead of a ConfigMap or Secret")
        return None


def check_pod(k8s, failures):
    """Restricted pod security: non-root, seccomp, read-only root, no capabilities."""
    spec = k8s.pod().get("spec", {})
    pod_sc = spec.get("securityContext", {})
    if pod_sc.get("runAsNonRoot") is not True:
        failures.append("pod: securityContext.runAsNonRoot is not true")
    if pod_sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        failures.append("pod: seccompProfile is not RuntimeDefault")
    if spec.get("automountServiceAccountToken") is not False:
        failures.append("pod: automountServiceAccountToken is not false")
    for c in spec.get("containers", []):
        sc = c.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False:
            failures.append(f"container {c['name']}: allowPrivilegeEscalation is not false")
        if sc.get("readOnlyRootFilesystem") is not True:
            failures.append(f"container {c['name']}: readOnlyRootFilesystem is not true")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            failures.append(f"container {c['name']}: capabilities do not drop ALL")
        if sc.get("privileged"):
            failures.append(f"container {c['name']}: privileged")
    deployment = k8s.one("Deployment")
    pvc = k8s.one("PersistentVolumeClaim")
    if "ReadWriteOnce" in pvc.get("spec", {}).get("accessModes", []) and \
            deployment.get("spec", {}).get("strategy", {}).get("type") != "Recreate":
        failures.append("Deployment: a ReadWriteOnce decision log needs strategy Recreate (one writer)")
    image_names = {c.get("image", "").split(":")[0] for c in spec.get("containers", [])}
    for image in k8s.images:
        if image["name"] not in image_names:
            failures.append(f"overlay images: {image['name']} is not a container image of the pod")


def grensd_config(k8s):
    """The grensd config file of the pod, and the container."""
    grensd = k8s.container("grensd")
    args = grensd.get("args", [])
    if "--config" not in args:
        k8s.failures.append("container grensd: no --config argument")
        return grensd, {}
    path = args[args.index("--config") + 1]
    file = k8s.check_file_in_volume(grensd, path, "grensd --config")
    if file is None:
        return grensd, {}
    with open(file) as f:
        return grensd, yaml.safe_load(f)


def check_grensd_in_pod(source, k8s, failures):
    """grensd's config against its container: ports, probes, mounts, keys."""
    grensd, config = grensd_config(k8s)
    if not config:
        return
    health = host_port(config["health_address"])[1]
    if k8s.container_port(grensd, "grpc-health") != health:
        failures.append(f"grensd: containerPort grpc-health is not health_address's port {health}")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        p = grensd.get(probe, {})
        if p.get("grpc", {}).get("port") != health:
            failures.append(f"grensd {probe}: not a grpc probe on the health port {health}")
    metrics = host_port(config["metrics_address"])[1]
    if k8s.container_port(grensd, "metrics") != metrics:
        failures.append(f"grensd: containerPort metrics is not metrics_address's port {metrics}")
    annotations = k8s.pod().get("metadata", {}).get("annotations", {})
    if annotations.get("prometheus.io/port") != str(metrics):
        failures.append("pod: prometheus.io/port annotation does not name the metrics port")
    for listener in config.get("listeners", []):
        if host_port(listener["address"])[0] not in ("127.0.0.1", "::1", "localhost") and "tls" not in listener:
            failures.append(f"grensd listener {listener['address']}: plaintext off loopback")
    policy_file = k8s.check_file_in_volume(grensd, config["policy_path"], "policy_path")
    if policy_file:
        with open(policy_file) as f:
            policy = yaml.safe_load(f)
        for test_file in policy.get("test_files", []):
            k8s.check_file_in_volume(grensd, os.path.join(os.path.dirname(config["policy_path"]), test_file),
                                     "the agreement's test_files")
    for key in ("pseudonym_key_file", "signing_key_file"):
        k8s.check_file_in_volume(grensd, config[key], key)
    volume, inside = k8s.resolve_path(grensd, config["data_dir"])
    if volume is not None and ("persistentVolumeClaim" not in volume or inside != "."):
        failures.append(f"data_dir {config['data_dir']}: is not the mount point of a PersistentVolumeClaim")
    elif volume is not None:
        k8s.one("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    volume, _ = k8s.resolve_path(grensd, "/tmp")
    if volume is not None and "emptyDir" not in volume:
        failures.append("grensd: /tmp (SQLite temporary files) is not an emptyDir")


def check_network(k8s, failures):
    """Service and NetworkPolicy select the pod and name ports it has."""
    labels = k8s.pod().get("metadata", {}).get("labels", {})
    port_names = {p["name"] for c in k8s.pod()["spec"]["containers"] for p in c.get("ports", [])}
    service = k8s.one("Service")
    if not set(service.get("spec", {}).get("selector", {}).items()) <= set(labels.items()):
        failures.append("Service: selector does not match the pod's labels")
    for p in service.get("spec", {}).get("ports", []):
        if p["targetPort"] not in port_names:
            failures.append(f"Service port {p['name']}: targetPort {p['targetPort']} is not a container port")
    policy = k8s.one("NetworkPolicy")
    spec = policy.get("spec", {})
    if not set(spec.get("podSelector", {}).get("matchLabels", {}).items()) <= set(labels.items()):
        failures.append("NetworkPolicy: podSelector does not match the pod's labels")
    if sorted(spec.get("policyTypes", [])) != ["Egress", "Ingress"]:
        failures.append("NetworkPolicy: must restrict both Ingress and Egress")
    for rule in spec.get("ingress", []):
        for p in rule.get("ports", []):
            if p["port"] not in port_names:
                failures.append(f"NetworkPolicy: ingress port {p['port']} is not a container port")
    exposed = {p["port"] for rule in spec.get("ingress", []) for p in rule.get("ports", [])}
    if exposed & {"grpc-health"}:
        failures.append("NetworkPolicy: the health port need not be open to other pods")
