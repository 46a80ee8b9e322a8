"""What a phone on a weak signal downloads: static files under hashed names, kept for a year;
gzip for them, for the pages (whose CSRF token is masked afresh in every answer, so compression
does not leak it) and for the API's answers, never for a bearer token; a first visit to the login
page within 35 KB on the wire."""

import re

import pytest

from app.auth.models import Role
from app.web.assets import FOR_A_YEAR, asset_url
from tests.scenario import COUNTY, Scenario

ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def test_pages_name_their_files_by_content_and_those_are_kept_for_a_year(client):
    page = client.get("/login")
    links = ASSET.findall(page.text)
    assert links and all(re.search(r"\.[0-9a-f]{10}\.[a-z]+$", link) for link in links), links
    for link in links:
        answer = client.get(link)
        assert answer.status_code == 200 and answer.headers["cache-control"] == FOR_A_YEAR, link
    assert asset_url("app.css") in links


def test_a_file_under_an_old_name_or_its_plain_name_is_revalidated(client):
    stale = client.get("/static/app.0123456789.css")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    assert stale.content == client.get(asset_url("app.css")).content
    plain = client.get("/static/app.css")
    assert plain.headers["cache-control"] == "no-cache" and plain.headers["etag"]
    again = client.get("/static/app.css", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/static/nothing.0123456789.css").status_code == 404


def test_static_files_pages_and_api_answers_are_gzipped_and_tokens_are_not(client, session, settings):
    htmx = client.get(asset_url("htmx-2.0.11.min.js"), headers={"Accept-Encoding": "gzip"})
    assert htmx.headers["content-encoding"] == "gzip"
    assert int(htmx.headers["content-length"]) < 20_000 < len(htmx.content)  # 17 KB sent for 52 KB
    world = Scenario(session, settings)
    for n in range(6):
        world.pairing(f"p{n}", f"530102001{n + 1:03d}", unit=f"第{n}公司")
    world.user("county", Role.officer, COUNTY)
    table = client.get(f"/api/v1/counties/{COUNTY}/weekly-table", headers={**world.headers("county"),
                                                                           "Accept-Encoding": "gzip"})
    assert table.status_code == 200 and table.headers["content-encoding"] == "gzip"
    workbook = client.get(f"/api/v1/counties/{COUNTY}/weekly-table?week=2020-W29&format=xlsx",
                          headers={**world.headers("county"), "Accept-Encoding": "gzip"})
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"  # a zip already: sent as it is
    assert "content-encoding" not in workbook.headers
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    token = client.post("/api/v1/auth/token", data={"username": "county", "password": "x" * 12},
                        headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in token.headers


@pytest.mark.parametrize("path", ["/login"])
def test_a_first_visit_weighs_at_most_35_kb_on_the_wire(client, path):
    page = client.get(path, headers={"Accept-Encoding": "gzip"})
    total = int(page.headers.get("content-length", len(page.content)))
    for link in ASSET.findall(page.text):
        answer = client.get(link, headers={"Accept-Encoding": "gzip"})
        total += int(answer.headers.get("content-length", len(answer.content)))
    print(f"\n{path}: {total / 1024:.1f} KB on the wire (page {len(page.content) / 1024:.1f} KB, "
          f"{int(page.headers.get('content-length', 0)) / 1024:.1f} KB gzipped)")
    assert total <= 35 * 1024, total


def test_the_site_can_be_added_to_the_home_screen_and_has_a_service_worker_at_its_root(client):
    page = client.get("/login").text
    manifest = re.search(r'<link rel="manifest" href="([^"]+)"', page).group(1)
    answer = client.get(manifest)
    assert answer.headers["content-type"].startswith("application/manifest+json")
    data = answer.json()
    assert data["start_url"] == "/" and data["display"] == "standalone" and data["short_name"] == "结对帮扶台账"
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"  # a new worker is picked up at once


def test_our_scripts_and_styles_go_minified_and_without_the_documents_headers(client):
    from app.web.assets import ROOT

    for name in ("app.js", "app.css"):
        answer = client.get(asset_url(name))
        source = (ROOT / name).read_bytes()
        assert answer.status_code == 200 and len(answer.content) < 0.85 * len(source), name
        assert b"// " not in answer.content and b"/* " not in answer.content, name
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in answer.headers and "etag" not in answer.headers, name
    for vendored in ("htmx-2.0.11.min.js", "vendor/swagger-ui/swagger-ui-bundle.js"):  # as their makers built them
        assert client.get(asset_url(vendored)).content == (ROOT / vendored).read_bytes(), vendored
    # Documents, the icon (an SVG can hold a script) and the service worker keep their policy.
    for path in ("/login", asset_url("favicon.svg"), "/sw.js"):
        assert "default-src 'self'" in client.get(path).headers["content-security-policy"], path
    plain = client.get("/static/app.js")
    assert plain.headers["cache-control"] == "no-cache" and plain.content == client.get(asset_url("app.js")).content
    assert client.get("/static/app.js", headers={"If-None-Match": plain.headers["etag"]}).status_code == 304
