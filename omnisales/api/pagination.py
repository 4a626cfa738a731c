"""limit/offset paging that returns a bare JSON array with X-Total-Count and an RFC 8288 Link header."""

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .errors import ApplicationError

DEFAULT_LIMIT = 50
MAX_LIMIT = 250


class InvalidQueryParameter(ApplicationError):
    status_code = 400
    code = "INVALID_PARAMETER"


def _non_negative_int(request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise InvalidQueryParameter(f"'{name}' must be a non-negative integer", details={name: [f"Got {raw!r}."]})
    return value


class LimitOffsetArrayPagination(LimitOffsetPagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        limit = _non_negative_int(request, self.limit_query_param, self.default_limit)
        if limit > self.max_limit:
            raise InvalidQueryParameter(
                f"'{self.limit_query_param}' must be at most {self.max_limit}",
                details={self.limit_query_param: [f"Got {limit}; the maximum is {self.max_limit}."]},
            )
        return limit

    def get_offset(self, request):
        return _non_negative_int(request, self.offset_query_param, 0)

    def get_paginated_response(self, data):
        links = []
        next_url, previous_url = self.get_next_link(), self.get_previous_link()
        if next_url:
            links.append(f'<{next_url}>; rel="next"')
        if previous_url:
            links.append(f'<{previous_url}>; rel="prev"')
        headers = {"X-Total-Count": str(self.count)}
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)

    def get_previous_link(self):
        if self.offset <= 0:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, self.limit_query_param, self.limit)
        if self.offset - self.limit <= 0:
            return remove_query_param(url, self.offset_query_param)
        return replace_query_param(url, self.offset_query_param, self.offset - self.limit)

    def get_paginated_response_schema(self, schema):
        return schema

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update({"default": DEFAULT_LIMIT, "minimum": 0, "maximum": MAX_LIMIT})
            else:
                parameter["schema"].update({"default": 0, "minimum": 0})
        return parameters
