"""The demo's public side: a published month and featured stories, and — over a realistic data
set — not one liaison, contact, phone or stationed name in anything public."""

from sqlalchemy import select

from app.auth.models import User
from app.demo import load_demo
from app.pairings.models import Plan
from app.units.models import Unit


def test_the_demo_publishes_june_and_features_stories_with_nothing_personal(client, session, settings):
    load_demo(session, settings)
    session.flush()
    summary = client.get("/api/v1/public/summary")
    assert summary.status_code == 200
    assert (summary.json()["month"], summary.json()["national"]["week"]) == ("2020-06", "2020-W26")
    assert len(summary.json()["provinces"]) == 3
    cases = client.get("/api/v1/public/cases").json()
    assert 2 <= cases["total"] <= 3
    assert len({(c["county"]) for c in cases["items"]}) == cases["total"]

    personal = set()
    for user in session.scalars(select(User)):
        personal |= {user.username, user.display_name}
    for unit in session.scalars(select(Unit)):
        personal |= {unit.contact_name, unit.contact_phone}
    for members in session.scalars(select(Plan.members)):
        personal |= set(members)
    # Some demo officers are named after their office (云南省扶贫办), which the public page may
    # name as a place; people's names are two or three characters, usernames ASCII.
    personal = {p for p in personal if not p.endswith(("扶贫办", "社会扶贫司", "管理员"))}
    assert len(personal) > 100
    for text in (summary.text, client.get("/api/v1/public/cases").text, client.get("/public").text,
                 client.get("/public/cases").text):
        leaked = {p for p in personal if p in text}
        assert not leaked
