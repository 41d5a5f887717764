"""Checks that the watch router (Cargo.toml), template.yaml and openapi.yaml list the same
routes, each served by the same function in the router and the template."""
import os
import re
import sys
import tomllib

import yaml

from local_table import CfnLoader

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def as_template_path(path):
    """The local router's spelling of a path as template.yaml spells it: matchit's catch-all
    `{*name}` is API Gateway's greedy `{name+}`, and `/x/` (routed apart locally because a
    catch-all never matches an empty rest) is API Gateway's `/x`."""
    path = re.sub(r"\{\*(\w+)\}", r"{\1+}", path)
    return path.rstrip("/") or "/"


def router_routes():
    with open(os.path.join(ROOT, "Cargo.toml"), "rb") as f:
        router = tomllib.load(f)["workspace"]["metadata"]["lambda"]["watch"]["router"]
    return {
        (r["method"].upper(), as_template_path(path)): r["function"]
        for path, routes in router.items()
        for r in routes
    }


def template_routes():
    with open(os.path.join(ROOT, "template.yaml")) as f:
        template = yaml.load(f, Loader=CfnLoader)
    routes = {}
    for res in template["Resources"].values():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        binary = res["Metadata"]["BuildProperties"]["Binary"]
        for event in res["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                p = event["Properties"]
                routes[(p["Method"].upper(), p["Path"])] = binary
    return routes


def openapi_routes():
    with open(os.path.join(ROOT, "openapi.yaml")) as f:
        spec = yaml.safe_load(f)
    methods = {"get", "put", "post", "patch", "delete"}
    # OpenAPI names a greedy variable plainly (`{proxy}`); API Gateway spells it `{proxy+}`.
    return {
        (m.upper(), path.replace("{proxy}", "{proxy+}"))
        for path, ops in spec["paths"].items()
        for m in ops
        if m in methods
    }


def openapi_problems():
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    spec, _ = read_from_filename(os.path.join(ROOT, "openapi.yaml"))
    try:
        validate(spec)
    except Exception as e:  # the validator's own error types vary by version
        return [f"openapi.yaml is not valid OpenAPI: {e}"]
    return []


def main():
    router, template, api = router_routes(), template_routes(), openapi_routes()
    problems = openapi_problems()
    if router != template:
        problems.append(f"router vs template.yaml: {sorted(set(router.items()) ^ set(template.items()))}")
    if set(router) != api:
        problems.append(f"router vs openapi.yaml: {sorted(set(router) ^ api)}")
    functions = {d for d in os.listdir(os.path.join(ROOT, "functions"))}
    unrouted = functions - set(router.values())
    if set(router.values()) - functions:
        problems.append(f"routes to missing functions: {sorted(set(router.values()) - functions)}")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"routes agree: {len(router)} routes, {len(functions)} functions"
          + (f" ({len(unrouted)} without HTTP routes)" if unrouted else ""))


if __name__ == "__main__":
    main()
