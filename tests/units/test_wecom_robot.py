"""A unit's 企业微信 group robot: set by the unit's liaisons, only at 企业微信's own address (the
server posts there: it must not be made to post anywhere else), never shown, never in the trail."""

from sqlmodel import select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.units.models import Unit
from tests.factories import auth_headers, make_pairing, make_unit, make_user

ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


def test_a_liaison_sets_the_units_robot_and_nobody_sees_its_key(client, session, settings):
    pairing = make_pairing(session)
    liaison = make_user(session, Role.liaison, unit_id=pairing.unit_id)
    headers = auth_headers(session, settings, liaison)
    answer = client.put(f"/api/v1/units/{pairing.unit_id}/wecom-robot", json={"webhook_url": ROBOT}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["wecom_robot"] is True and "693a91f6" not in answer.text
    officer = make_user(session, Role.officer, region_code="530102000000")
    seen = client.get(f"/api/v1/units/{pairing.unit_id}", headers=auth_headers(session, settings, officer))
    assert seen.json()["wecom_robot"] is True and "693a91f6" not in seen.text
    trail = session.scalars(select(AuditEvent).where(AuditEvent.entity == "unit")).all()
    assert trail and all("693a91f6" not in str(e.before) + str(e.after) for e in trail)
    # A later edit of the unit's contact details keeps the key out of the trail as well.
    assert client.patch(f"/api/v1/units/{pairing.unit_id}", json={"contact_name": "赵经理"},
                        headers=headers).status_code == 200
    trail = session.scalars(select(AuditEvent).where(AuditEvent.entity == "unit")).all()
    assert all("693a91f6" not in str(e.before) + str(e.after) for e in trail)
    cleared = client.put(f"/api/v1/units/{pairing.unit_id}/wecom-robot", json={"webhook_url": None}, headers=headers)
    assert cleared.json()["wecom_robot"] is False


def test_only_wecoms_own_address_is_taken_and_only_from_the_units_liaisons(client, session, settings):
    pairing = make_pairing(session)
    headers = auth_headers(session, settings, make_user(session, Role.liaison, unit_id=pairing.unit_id))
    for bad in ("http://169.254.169.254/latest/meta-data", "https://qyapi.weixin.qq.com.evil.cn/x?key=1",
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", ROBOT + " x"):
        answer = client.put(f"/api/v1/units/{pairing.unit_id}/wecom-robot", json={"webhook_url": bad}, headers=headers)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.json()["detail"][0]["loc"] == ["body", "webhook_url"]
    assert session.get(Unit, pairing.unit_id).wecom_webhook is None
    officer = make_user(session, Role.officer, region_code="530102000000")
    assert client.put(f"/api/v1/units/{pairing.unit_id}/wecom-robot", json={"webhook_url": ROBOT},
                      headers=auth_headers(session, settings, officer)).status_code == 403
    stranger = make_user(session, Role.liaison, unit_id=make_unit(session).id)
    assert client.put(f"/api/v1/units/{pairing.unit_id}/wecom-robot", json={"webhook_url": ROBOT},
                      headers=auth_headers(session, settings, stranger)).status_code in (403, 404)
