#!/usr/bin/env python3
"""Checks deploy/ against itself and against the real binaries.

  deploy_test.py --source REPO --bin BUILD/bin manifests
      every YAML file parses; kustomizations reference files that exist; the
      Kubernetes, Envoy, Istio, Docker and grensd configs agree on ports, paths,
      ConfigMap keys and Secret items; the pod security context is restricted;
      the one Envoy config (deploy/envoy/envoy.yaml) and the Istio example have
      the ext_authz settings grens's route matching needs (normalised paths,
      encoded slashes refused, only x-grens-* headers, the collector per
      virtual host and registered by the agreement, fail closed with 503, a
      timeout for a durable commit, no bodies) and name route-table hosts;
      the runtime image installs the packages the built binaries link; each
      example grensd config passes `grensd --print_config`; and grensd started
      from the Kubernetes config in a ConfigMap-shaped directory activates the
      overlay's agreement, loads the overlay's route table (a copy of
      adapters/ext_authz/examples/routes.yaml), answers health and /readyz, and
      reloads on a `..data` symlink swap.
  deploy_test.py --source REPO --bin BUILD/bin systemd
      `systemd-analyze verify` accepts the unit without a single warning
      (exit 77, skipped, where systemd-analyze is missing).

There is no Docker engine or Kubernetes cluster here: images are not built and
manifests are not applied; what can be checked without them is checked.
"""

import argparse
import os
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_checks  # noqa: E402  static checks of the files
import deploy_runs  # noqa: E402  checks that run the binaries and tools
import envoy_checks  # noqa: E402  static checks of the Envoy and Istio examples

SKIP = 77


def run_systemd(source, bin_dir):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        print("SKIP: systemd-analyze is not installed; the unit was not verified")
        return SKIP
    failures = deploy_runs.verify_systemd_unit(source, bin_dir, analyze)
    return report(failures, "systemd unit")


def run_manifests(source, bin_dir):
    failures = []
    docs = deploy_checks.parse_all_yaml(source, failures)
    k8s = deploy_checks.Kustomized(source, "deploy/kubernetes/overlays/example", failures)
    envoy_timeout = []  # check_envoy's answer, for check_istio
    checks = [
        lambda: deploy_checks.check_pod(k8s, failures),
        lambda: deploy_checks.check_grensd_in_pod(source, k8s, failures),
        lambda: envoy_timeout.append(envoy_checks.check_envoy(source, k8s, failures)),
        lambda: envoy_checks.check_one_envoy_config(source, failures),
        lambda: deploy_checks.check_network(k8s, failures),
        lambda: envoy_checks.check_istio(source, docs, k8s, (envoy_timeout or [None])[0], failures),
        lambda: deploy_runs.check_overlay_policy(source, bin_dir, k8s, failures),
        lambda: deploy_runs.check_dockerfile(source, bin_dir, failures),
        lambda: deploy_runs.check_print_config(source, bin_dir, failures),
        lambda: deploy_runs.check_pod_layout_runs(source, bin_dir, k8s, failures),
        lambda: deploy_runs.check_kustomize_build(source, failures),
    ]
    for check in checks:
        try:
            check()
        except Exception as e:  # a file too broken to check further: report it, run the other checks
            failures.append(f"a check stopped early: {type(e).__name__}: {e}")
    return report(failures, "deploy manifests")


def report(failures, what):
    for f in failures:
        print("FAIL:", f)
    if failures:
        print(f"{what}: {len(failures)} problem(s)")
        return 1
    print(f"{what}: ok")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("what", choices=["manifests", "systemd"])
    args = parser.parse_args()
    if args.what == "systemd":
        return run_systemd(args.source, args.bin)
    return run_manifests(args.source, args.bin)


if __name__ == "__main__":
    sys.exit(main())
