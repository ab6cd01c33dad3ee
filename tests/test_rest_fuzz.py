"""Schemathesis fuzzes every operation of the OpenAPI document, authenticated and not: the API
never answers 500, every error is an RFC 9457 problem document, and every answer conforms to the
documented schema. A bounded number of examples per operation keeps it under a minute."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from sda.policy import Marking
from tests.rest_support import bundled_sets, conjunction_between, ingest_marked, make_api



def is_problem(ctx, response, case):
    """Every 4xx/5xx answer is application/problem+json with the RFC 9457 members and a stable code."""
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json"), response.text
        body = response.json()
        assert {"type", "title", "status", "detail", "instance", "code"} <= set(body), body
        assert body["status"] == response.status_code
    return None


CHECKS = [not_a_server_error, is_problem, content_type_conformance, response_schema_conformance,
          status_code_conformance]


@pytest.mark.slow
def test_fuzz_every_operation(store_url):
    api = make_api(store_url, rate_per_s=1e6, burst=10**6)
    a, b = bundled_sets(2)
    ingest_marked(api.store, [a, b], Marking(owner="KR-MND", releasable_to=frozenset({"US-DOD"})), "two.tle")
    conjunction_between(api.store, a.norad_id, b.norad_id, Marking())
    auth = {"Authorization": f"Bearer {api.keys[('KR-MND', 'provider')]}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.client.app)
    calls: dict[tuple[str, bool], int] = {}
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) >= 10
    for op in operations:
        if op.path.endswith("/stream"):  # an endless event stream; tested on a real server
            continue

        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        @given(case=op.as_strategy(), with_key=st.booleans())
        def fuzz(case, with_key):
            response = case.call(headers=auth if with_key else {})
            case.validate_response(response, checks=CHECKS)
            if not with_key and not op.path.endswith("/health"):
                assert response.status_code in (401, 422), (op.path, response.status_code)
            calls[(op.path, with_key)] = calls.get((op.path, with_key), 0) + 1

        fuzz()
    assert sum(calls.values()) >= 8 * (len(operations) - 1)
    api.client.close()
    api.store.close()
