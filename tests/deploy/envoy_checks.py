"""Static checks of the Envoy and Istio examples against what grensd needs:
the ext_authz settings grens's route matching relies on (path normalisation,
escaped slashes, headers, collector set per virtual host, fail closed, no
bodies), the route table the pod's grensd loads, and one Envoy config only.

Failures are appended to a list, like deploy_checks.
"""

import os
import re

import yaml

from deploy_checks import grensd_config, host_port

CANONICAL_ENVOY = "deploy/envoy/envoy.yaml"
EXAMPLE_ROUTES = "adapters/ext_authz/examples/routes.yaml"
EXT_AUTHZ = "envoy.filters.http.ext_authz"
HCM = "envoy.filters.network.http_connection_manager"
# Envoy's default ext_authz timeout, too short for an answer that waits for an
# fsync; and an upper bound past which an outage stalls every collector call.
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 0.2, 5.0
# grensd answers 503 itself when it cannot decide (adapters/ext_authz/check_response.h);
# Envoy should say the same when grensd cannot be asked.
STATUS_ON_ERROR = ("ServiceUnavailable", "503")
# Headers grensd must never be sent (the collectors' credentials).
SECRET_HEADERS = ("authorization", "cookie", "proxy-authorization")


def seconds(duration):
    """'0.5s' -> 0.5; None when it is not a protobuf Duration in seconds."""
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)s", str(duration or ""))
    return float(m.group(1)) if m else None


def _load(path):
    with open(path) as f:
        return yaml.safe_load(f) or {}


def route_table(source, k8s, failures):
    """The route table the pod's grensd loads (parsed), or {} after a failure."""
    grensd, config = grensd_config(k8s)
    ext_authz = config.get("ext_authz", {})
    if not ext_authz.get("route_table_file"):
        failures.append("grensd (pod): no ext_authz.route_table_file: every Envoy call would get the default")
        return {}
    file = k8s.check_file_in_volume(grensd, ext_authz["route_table_file"], "ext_authz.route_table_file")
    if file is None:
        return {}
    with open(file, "rb") as a, open(os.path.join(source, EXAMPLE_ROUTES), "rb") as b:
        if a.read() != b.read():
            failures.append(f"{os.path.relpath(file, source)} differs from {EXAMPLE_ROUTES}: copy it again")
    if not ext_authz.get("tenant"):
        failures.append("grensd (pod): ext_authz.tenant is not set")
    if ext_authz.get("tenant_header"):
        failures.append("grensd (pod): ext_authz.tenant_header lets the collector choose its tenant")
    return _load(file)


def registered_collectors(k8s):
    grensd, config = grensd_config(k8s)
    file = k8s.check_file_in_volume(grensd, config.get("policy_path", ""), "policy_path") if config else None
    return {c["id"] for c in _load(file).get("collectors", [])} if file else set()


def _http_managers(listener):
    for chain in listener.get("filter_chains", []):
        for f in chain.get("filters", []):
            if f.get("name") == HCM:
                yield f["typed_config"]


def _endpoint(cluster):
    ep = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
    return ep["address"], ep["port_value"]


def envoy_config(source, k8s, failures):
    """The Envoy container and its config, which must be the canonical file."""
    envoy = k8s.container("envoy")
    args = envoy.get("args", [])
    if "--config-path" not in args:
        failures.append("container envoy: no --config-path argument")
        return envoy, {}
    file = k8s.check_file_in_volume(envoy, args[args.index("--config-path") + 1], "envoy --config-path")
    if file is None:
        return envoy, {}
    if os.path.realpath(file) != os.path.realpath(os.path.join(source, CANONICAL_ENVOY)):
        failures.append(f"envoy: the pod mounts {os.path.relpath(file, source)}, not {CANONICAL_ENVOY}")
    return envoy, _load(file)


def check_one_envoy_config(source, failures):
    """No second Envoy bootstrap with ext_authz to drift from the canonical one."""
    for root, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith((".", "build")) and d != "node_modules"]
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), source)
            if not name.endswith((".yaml", ".yml")) or rel == CANONICAL_ENVOY:
                continue
            with open(os.path.join(root, name), errors="replace") as f:
                text = f.read()
            if "static_resources:" in text and EXT_AUTHZ in text:
                failures.append(f"{rel}: a second Envoy config with ext_authz; {CANONICAL_ENVOY} is the one")


def _check_manager(hcm, failures):
    if hcm.get("normalize_path") is not True or hcm.get("merge_slashes") is not True:
        failures.append("envoy: normalize_path and merge_slashes must be true (grensd matches the normalised path)")
    if hcm.get("path_with_escaped_slashes_action") not in ("REJECT_REQUEST", "UNESCAPE_AND_FORWARD"):
        failures.append("envoy: path_with_escaped_slashes_action must be REJECT_REQUEST (or UNESCAPE_AND_FORWARD), "
                        "so the API never decodes %2F into segments grensd did not judge")
    names = [f["name"] for f in hcm.get("http_filters", [])]
    if EXT_AUTHZ not in names or names[-1] != "envoy.filters.http.router" or \
            names.index(EXT_AUTHZ) > names.index("envoy.filters.http.router"):
        failures.append(f"envoy: http_filters {names}: ext_authz must come before the router, which is last")
        return None
    return hcm["http_filters"][names.index(EXT_AUTHZ)]["typed_config"]


def _check_authz_filter(authz, routes, failures):
    for key, want in {"transport_api_version": "V3", "failure_mode_allow": False}.items():
        if authz.get(key) != want:
            failures.append(f"envoy ext_authz: {key} is {authz.get(key)!r}, want {want!r}")
    if str(authz.get("status_on_error", {}).get("code")) not in STATUS_ON_ERROR:
        failures.append("envoy ext_authz: status_on_error must be ServiceUnavailable, like grensd's own 503")
    if "with_request_body" in authz:
        failures.append("envoy ext_authz: with_request_body is set, but the route table never reads bodies")
    timeout = seconds(authz.get("grpc_service", {}).get("timeout"))
    if timeout is None or not MIN_TIMEOUT_S < timeout <= MAX_TIMEOUT_S:
        failures.append(f"envoy ext_authz: grpc_service.timeout {timeout}: want above {MIN_TIMEOUT_S}s "
                        f"(a durable commit) and at most {MAX_TIMEOUT_S}s")
    patterns = authz.get("allowed_headers", {}).get("patterns", [])
    if not patterns:
        failures.append("envoy ext_authz: no allowed_headers: every header, bearer tokens included, goes to grensd")
    needed = ["x-grens-decision-id"] + [r["subject"]["header"].lower() for r in routes.get("routes", [])
                                        if "header" in r.get("subject", {})]
    for header in needed:
        if not any(_matches(p, header) for p in patterns):
            failures.append(f"envoy ext_authz: allowed_headers do not pass {header}, which grensd reads")
    for header in SECRET_HEADERS:
        if any(_matches(p, header) for p in patterns):
            failures.append(f"envoy ext_authz: allowed_headers pass {header} to grensd")
    return timeout


def _matches(pattern, header):
    name = header if not pattern.get("ignore_case") else header.lower()
    if "exact" in pattern:
        return name == (pattern["exact"].lower() if pattern.get("ignore_case") else pattern["exact"])
    if "prefix" in pattern:
        return name.startswith(pattern["prefix"].lower() if pattern.get("ignore_case") else pattern["prefix"])
    return True  # a regex or contains matcher: assume the worst


def _check_virtual_hosts(hcm, clusters, routes, collectors, failures):
    hosts = {r.get("host") for r in routes.get("routes", [])}
    for vh in hcm.get("route_config", {}).get("virtual_hosts", []):
        per_filter = vh.get("typed_per_filter_config", {}).get(EXT_AUTHZ, {})
        collector = per_filter.get("check_settings", {}).get("context_extensions", {}).get("collector")
        if per_filter.get("disabled"):
            failures.append(f"envoy virtual host {vh['name']}: ext_authz disabled")
        if not collector:
            failures.append(f"envoy virtual host {vh['name']}: no context_extensions collector (the caller's choice)")
        elif collectors and collector not in collectors:
            failures.append(f"envoy virtual host {vh['name']}: collector {collector} is not registered by the "
                            "agreement: every call would be denied")
        for domain in vh.get("domains", []):
            host = domain.split(":")[0]
            if host != "*" and routes and host not in hosts:
                failures.append(f"envoy virtual host {vh['name']}: {host} has no route in the route table")
        for route in vh.get("routes", []):
            cluster = route.get("route", {}).get("cluster")
            if cluster and cluster not in clusters:
                failures.append(f"envoy route to {cluster}: no such cluster")


def check_envoy(source, k8s, failures):
    """The pod's Envoy: the canonical config, set up the way grens's matching
    needs, consistent with grensd's listener, the route table, the agreement's
    collectors, the pod's ports and its NetworkPolicy. Returns the ext_authz
    timeout in seconds (for the Istio check), or None."""
    envoy, config = envoy_config(source, k8s, failures)
    if not config:
        return None
    _, grensd = grensd_config(k8s)
    routes = route_table(source, k8s, failures)
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}
    listeners = {l["name"]: l for l in config["static_resources"]["listeners"]}
    if config["admin"]["address"]["socket_address"]["address"] != "127.0.0.1":
        failures.append("envoy admin: not on loopback")
    egress = listeners.get("collector_egress", {})
    if egress.get("address", {}).get("socket_address", {}).get("address") != "127.0.0.1":
        failures.append("envoy: listener collector_egress must be on the pod's loopback")
    hcm = next(_http_managers(egress), None)
    authz = _check_manager(hcm, failures) if hcm else None
    if authz is None:
        failures.append("envoy: no collector_egress listener with ext_authz before the router")
        return None
    timeout = _check_authz_filter(authz, routes, failures)
    _check_virtual_hosts(hcm, clusters, routes, registered_collectors(k8s), failures)
    target = authz.get("grpc_service", {}).get("envoy_grpc", {}).get("cluster_name")
    if target not in clusters:
        failures.append(f"envoy ext_authz: cluster {target} does not exist")
    elif grensd:
        if "http2_protocol_options" not in str(clusters[target].get("typed_extension_protocol_options", {})):
            failures.append(f"envoy cluster {target}: gRPC needs HTTP/2")
        if _endpoint(clusters[target]) != host_port(grensd["listeners"][0]["address"]):
            failures.append(f"envoy cluster {target} -> {_endpoint(clusters[target])}: not grensd's listener")
    _check_probes(k8s, envoy, listeners, failures)
    _check_egress_ports(k8s, clusters, target, failures)
    return timeout


def _check_probes(k8s, envoy, listeners, failures):
    probe_port = listeners.get("probes", {}).get("address", {}).get("socket_address", {}).get("port_value")
    if k8s.container_port(envoy, "envoy-probe") != probe_port:
        failures.append("envoy: containerPort envoy-probe is not the probes listener's port")
    probe_paths = [r["match"].get("path") for h in _http_managers(listeners.get("probes", {}))
                   for vh in h["route_config"]["virtual_hosts"] for r in vh["routes"]]
    for probe in ("readinessProbe", "livenessProbe"):
        get = envoy.get(probe, {}).get("httpGet", {})
        if get.get("port") != "envoy-probe" or get.get("path") not in probe_paths:
            failures.append(f"envoy {probe}: not an httpGet of a probes-listener route")


def _check_egress_ports(k8s, clusters, grensd_cluster, failures):
    """The NetworkPolicy lets Envoy reach each API cluster's port."""
    allowed = {p.get("port") for rule in k8s.one("NetworkPolicy").get("spec", {}).get("egress", [])
               for p in rule.get("ports", [])}
    for name, cluster in clusters.items():
        if name != grensd_cluster and _endpoint(cluster)[1] not in allowed:
            failures.append(f"NetworkPolicy: no egress to port {_endpoint(cluster)[1]} (envoy cluster {name})")


def check_istio(source, docs, k8s, envoy_timeout, failures):
    """The Istio example: provider settings as in the Envoy config, provider,
    ServiceEntry and AuthorizationPolicy agree, the gateway's hosts are route
    table hosts, and the EnvoyFilter sets what the provider cannot."""
    def of(kind):
        return [d for rel, ds in docs.items() if rel.startswith("deploy/istio/") for d in ds if d.get("kind") == kind]
    operators, policies = of("IstioOperator"), of("AuthorizationPolicy")
    if len(operators) != 1 or len(policies) != 1:
        failures.append(f"deploy/istio: want one IstioOperator and one AuthorizationPolicy, "
                        f"found {len(operators)} and {len(policies)}")
        return
    mesh = operators[0]["spec"]["meshConfig"]
    policy = policies[0]["spec"]
    providers = {p["name"]: p for p in mesh.get("extensionProviders", [])}
    if mesh.get("pathNormalization", {}).get("normalization") not in ("MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES"):
        failures.append("meshConfig: pathNormalization must merge slashes (as merge_slashes in Envoy)")
    if policy.get("action") != "CUSTOM" or policy.get("provider", {}).get("name") not in providers:
        failures.append("AuthorizationPolicy: must be action CUSTOM with a provider of meshConfig.extensionProviders")
        return
    grpc = providers[policy["provider"]["name"]].get("envoyExtAuthzGrpc", {})
    if grpc.get("failOpen") is not False or str(grpc.get("statusOnError")) not in STATUS_ON_ERROR:
        failures.append("extension provider: needs failOpen: false and statusOnError \"503\"")
    if seconds(grpc.get("timeout")) != envoy_timeout:
        failures.append(f"extension provider: timeout {grpc.get('timeout')} is not the Envoy config's {envoy_timeout}s")
    if "includeRequestBodyInCheck" in grpc:
        failures.append("extension provider: includeRequestBodyInCheck, but the route table never reads bodies")
    _check_istio_local_grensd(of("ServiceEntry"), grpc, k8s, failures)
    _check_istio_gateway(of, policy, os.path.join(source, EXAMPLE_ROUTES), failures)


def _check_istio_local_grensd(entries, grpc, k8s, failures):
    entry = next((e for e in entries if grpc.get("service") in e["spec"].get("hosts", [])), None)
    if entry is None:
        failures.append("ServiceEntry: none resolves the provider's service")
        return
    if grpc.get("port") not in [p["number"] for p in entry["spec"].get("ports", [])]:
        failures.append("ServiceEntry: does not carry the provider's port")
    if [e["address"] for e in entry["spec"].get("endpoints", [])] != ["127.0.0.1"]:
        failures.append("ServiceEntry: grensd is reached on the pod's loopback, 127.0.0.1")
    _, grensd = grensd_config(k8s)
    if grensd and grpc.get("port") != host_port(grensd["listeners"][0]["address"])[1]:
        failures.append("extension provider: port is not grensd's listener port")


def _check_istio_gateway(of, policy, routes_file, failures):
    selector = policy.get("selector", {}).get("matchLabels", {})
    gateways = [g for g in of("Gateway") if g["spec"].get("selector") == selector]
    if not gateways:
        failures.append("AuthorizationPolicy: selects no Gateway of deploy/istio (the egress gateway)")
    served = {h for g in gateways for s in g["spec"].get("servers", []) for h in s.get("hosts", [])}
    route_hosts = {r.get("host") for r in _load(routes_file).get("routes", [])}
    hosts = {h.split(":")[0] for rule in policy.get("rules", []) for t in rule.get("to", [])
             for h in t.get("operation", {}).get("hosts", [])}
    if not hosts:
        failures.append("AuthorizationPolicy: names no API hosts")
    for host in sorted(hosts):
        if host not in served:
            failures.append(f"AuthorizationPolicy: host {host} is not served by the egress Gateway")
        if host not in route_hosts:
            failures.append(f"AuthorizationPolicy: host {host} has no route in the route table")
    patches = str([f["spec"] for f in of("EnvoyFilter") if f["spec"].get("workloadSelector", {}).get("labels")
                   == selector])
    for setting in ("REJECT_REQUEST", "'prefix': 'x-grens-'"):
        if setting not in patches:
            failures.append(f"EnvoyFilter on the egress gateway: does not set {setting}")
