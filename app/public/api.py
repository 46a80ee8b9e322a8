"""JSON API of public disclosure: the two public endpoints (no token, no personal data), the
officers' monthly publications and the county's featured stories."""

from fastapi import APIRouter, status

from app.api_common import PageDep
from app.common import Page, as_utc
from app.deps import CurrentUser, SessionDep, SettingsDep
from app.errors import NotFound
from app.public import service
from app.public.models import (
    FeatureOut,
    PublicationCreate,
    PublicationDetail,
    PublicationOut,
    PublicCase,
    PublicSummary,
)

router = APIRouter(tags=["public"])


def _publication(model: type[PublicationOut], publication) -> PublicationOut:
    out = model.model_validate(publication, from_attributes=True)
    out.published_at = as_utc(out.published_at)  # SQLite hands back naive datetimes
    return out


@router.get("/public/summary", response_model=PublicSummary,
            summary="信息公开：最新发布月份的分省、分县汇总（无需令牌，不含个人信息）")
def public_summary(session: SessionDep):
    summary = service.public_summary(session)
    if summary is None:
        raise NotFound("尚未发布信息公开数据")
    return summary


@router.get("/public/cases", response_model=Page[PublicCase],
            summary="典型案例：县扶贫办选定的案例故事（无需令牌，不含个人信息）")
def public_cases(session: SessionDep, page: PageDep):
    cases, total = service.public_cases(session, page.limit, page.offset)
    return Page(items=[PublicCase(**case.json()) for case in cases], total=total)


@router.post("/publications", response_model=PublicationDetail, status_code=status.HTTP_201_CREATED)
def publish(data: PublicationCreate, session: SessionDep, settings: SettingsDep, user: CurrentUser):
    return _publication(PublicationDetail, service.publish_month(session, settings, user, data.month))


@router.get("/publications", response_model=Page[PublicationOut])
def list_publications(session: SessionDep, user: CurrentUser, page: PageDep):
    items, total = service.list_publications(session, user, page.limit, page.offset)
    return Page(items=[_publication(PublicationOut, p) for p in items], total=total)


@router.get("/publications/{publication_id}", response_model=PublicationDetail)
def get_publication(publication_id: int, session: SessionDep, user: CurrentUser):
    return _publication(PublicationDetail, service.get_publication(session, user, publication_id))


def _feature(report) -> FeatureOut:
    return FeatureOut(pairing_id=report.pairing_id, week=report.week,
                      featured=service.is_featured(report),
                      featured_at=report.featured_at and as_utc(report.featured_at))


@router.post("/pairings/{pairing_id}/reports/{week}/feature", response_model=FeatureOut)
def feature(pairing_id: int, week: str, session: SessionDep, settings: SettingsDep, user: CurrentUser):
    return _feature(service.feature_story(session, settings, user, pairing_id, week, True))


@router.post("/pairings/{pairing_id}/reports/{week}/unfeature", response_model=FeatureOut)
def unfeature(pairing_id: int, week: str, session: SessionDep, settings: SettingsDep, user: CurrentUser):
    return _feature(service.feature_story(session, settings, user, pairing_id, week, False))
