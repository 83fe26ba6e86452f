"""Our policies on a rendered Kubernetes manifest (deploy/k8s/validate.sh)."""
import sys

import yaml

WORKLOADS = ("Deployment", "StatefulSet")
COMPONENTS = {"edge", "web-gateway", "data", "scheduler"}


def main(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    problems = []
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
        if d["kind"] == "Secret":
            problems.append(f"Secret/{d['metadata']['name']} is inlined")
    for w in (d for d in docs if d["kind"] in WORKLOADS):
        name = f"{w['kind']}/{w['metadata']['name']}"
        spec = w["spec"]["template"]["spec"]
        pod_sc = spec.get("securityContext", {})
        if not pod_sc.get("runAsNonRoot"):
            problems.append(f"{name}: pod not runAsNonRoot")
        containers = spec.get("containers", []) + spec.get("initContainers", [])
        for c in containers:
            cn = f"{name}/{c['name']}"
            sc = c.get("securityContext", {})
            if not sc.get("readOnlyRootFilesystem"):
                problems.append(f"{cn}: root filesystem not read-only")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{cn}: privilege escalation allowed")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                problems.append(f"{cn}: capabilities not dropped")
            res = c.get("resources", {})
            for k in ("cpu", "memory"):
                if k not in res.get("limits", {}) or k not in res.get("requests", {}):
                    problems.append(f"{cn}: no {k} request and limit")
            for e in c.get("env", []):
                if any(s in e["name"] for s in ("PASSWORD", "SECRET", "TOKEN")) \
                        and not e["name"].endswith("_FILE") and e.get("value"):
                    problems.append(f"{cn}: secret {e['name']} inlined")
        for c in spec.get("containers", []):
            for p in ("readinessProbe", "livenessProbe"):
                if p not in c:
                    problems.append(f"{name}/{c['name']}: no {p}")
    # Only the edge is exposed: one Ingress, to the edge; no other way in.
    for s in by_kind.get("Service", []):
        if s["spec"].get("type", "ClusterIP") != "ClusterIP":
            problems.append(f"Service/{s['metadata']['name']} is {s['spec']['type']}")
    ingresses = by_kind.get("Ingress", [])
    if len(ingresses) != 1:
        problems.append(f"{len(ingresses)} Ingresses, expected one")
    for ing in ingresses:
        for rule in ing["spec"].get("rules", []):
            for p in rule["http"]["paths"]:
                if p["backend"]["service"]["name"] != "edge":
                    problems.append(f"Ingress routes to {p['backend']['service']['name']}")
        if not ing["spec"].get("tls"):
            problems.append("Ingress without TLS")
    # NetworkPolicies: a default deny, and one for each component.
    policies = by_kind.get("NetworkPolicy", [])
    if not any(p["spec"]["podSelector"] == {} and "Ingress" in p["spec"]["policyTypes"]
               and not p["spec"].get("ingress") for p in policies):
        problems.append("no default-deny ingress NetworkPolicy")
    covered = {p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")
               for p in policies}
    for c in COMPONENTS - covered:
        problems.append(f"no NetworkPolicy for {c}")
    for kind in ("PodDisruptionBudget", "HorizontalPodAutoscaler"):
        names = {d["metadata"]["name"] for d in by_kind.get(kind, [])}
        need = {"web-gateway", "data"} | ({"edge", "scheduler"} if kind == "PodDisruptionBudget" else set())
        for n in need - names:
            problems.append(f"no {kind} for {n}")
    if problems:
        print("policy problems:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print(f"policies hold ({len(docs)} documents)")


if __name__ == "__main__":
    main(sys.argv[1])
