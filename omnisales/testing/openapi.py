"""Reading the served OpenAPI document (the `schema` fixture)."""


def parameters(schema, path, method="get") -> dict:
    """name -> parameter object, for one operation of the document."""
    return {parameter["name"]: parameter for parameter in schema["paths"][path][method].get("parameters", [])}
