"""Many requests at once: each waits on the cluster while holding its database session, and none may stall the rest."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from .conftest import job_form, jobs_url, token_client

# More than SQLAlchemy's default pool (5 connections and 10 more on demand) hands out.
REQUESTS = 24


def test_more_concurrent_requests_than_a_default_pool_holds_all_succeed_at_once(console, admin, namespace):
    token = admin.headers["Authorization"].removeprefix("Bearer ")

    def create(index: int) -> httpx.Response:
        # One connection each, as separate users would have; a stalled pool would answer 500 after 30 s.
        with token_client(console.url, token) as client:
            client.timeout = httpx.Timeout(10.0)
            return client.post(jobs_url(namespace), json=job_form(f"job-{index:03d}"))

    with ThreadPoolExecutor(REQUESTS) as pool:
        answers = list(pool.map(create, range(REQUESTS)))

    assert [answer.status_code for answer in answers] == [201] * REQUESTS
    assert len(admin.get(jobs_url(namespace)).json()["items"]) == REQUESTS
