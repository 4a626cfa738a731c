"""A Postman v2.1 collection generated from the same OpenAPI document as /swagger.json."""

import json

POSTMAN_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
METHODS = ("get", "post", "put", "patch", "delete")


def _example_from_schema(schema: dict, components: dict, depth: int = 0):
    if depth > 4:
        return None
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _example_from_schema(components.get(name, {}), components, depth + 1)
    if "example" in schema:
        return schema["example"]
    for combinator in ("allOf", "oneOf", "anyOf"):
        if schema.get(combinator):
            return _example_from_schema(schema[combinator][0], components, depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            name: _example_from_schema(sub, components, depth + 1)
            for name, sub in schema.get("properties", {}).items()
            if not sub.get("readOnly")
        }
    if kind == "array":
        return [_example_from_schema(schema.get("items", {}), components, depth + 1)]
    if "enum" in schema:
        return schema["enum"][0]
    return {"integer": 0, "number": 0.0, "boolean": False}.get(kind, "")


def _postman_path(path: str) -> tuple[list[str], list[dict]]:
    segments, variables = [], []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1]
            segments.append(f":{name}")
            variables.append({"key": name, "value": ""})
        else:
            segments.append(segment)
    return segments, variables


def build_collection(schema: dict) -> dict:
    components = schema.get("components", {}).get("schemas", {})
    folders: dict[str, list] = {}
    for path, operations in schema.get("paths", {}).items():
        for method in METHODS:
            operation = operations.get(method)
            if not operation:
                continue
            segments, variables = _postman_path(path)
            query = [
                {"key": p["name"], "value": "", "disabled": True, "description": p.get("description", "")}
                for p in operation.get("parameters", [])
                if p.get("in") == "query"
            ]
            raw = "{{baseUrl}}/" + "/".join(segments)
            request = {
                "method": method.upper(),
                "header": [{"key": "Accept", "value": "application/json"}],
                "url": {"raw": raw, "host": ["{{baseUrl}}"], "path": segments, "variable": variables, "query": query},
                "description": operation.get("description", ""),
            }
            if not operation.get("security"):
                request["auth"] = {"type": "noauth"}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                request["header"].append({"key": "Content-Type", "value": "application/json"})
                example = _example_from_schema(body.get("schema", {}), components)
                request["body"] = {
                    "mode": "raw",
                    "raw": json.dumps(example, indent=2),
                    "options": {"raw": {"language": "json"}},
                }
            item = {
                "name": operation.get("summary") or operation.get("operationId") or f"{method} {path}",
                "request": request,
            }
            tag = (operation.get("tags") or ["general"])[0]
            folders.setdefault(tag, []).append(item)
    info = schema.get("info", {})
    return {
        "info": {
            "name": info.get("title", "API"),
            "description": info.get("description", ""),
            "version": info.get("version", ""),
            "schema": POSTMAN_SCHEMA,
        },
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]},
        "variable": [
            {"key": "baseUrl", "value": "http://localhost:3000", "type": "string"},
            {"key": "token", "value": "", "type": "string"},
            {"key": "apiKey", "value": "", "type": "string"},
        ],
        "item": [{"name": tag, "item": items} for tag, items in sorted(folders.items())],
    }
