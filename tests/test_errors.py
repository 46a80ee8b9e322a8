"""A constraint the database enforces, lost in a race the services' checks cannot see, is a
409 rather than a 500."""

from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError

from app.main import API_PREFIX


def test_integrity_error_answers_409(app, client):
    router = APIRouter()

    @router.get("/raise-integrity")
    def boom():
        raise IntegrityError("INSERT …", {}, Exception("duplicate key"))

    app.include_router(router, prefix=API_PREFIX)
    answer = client.get(f"{API_PREFIX}/raise-integrity")
    assert answer.status_code == 409
    assert "冲突" in answer.json()["detail"]
