"""JSON API of public disclosure: the two public endpoints (no token, no personal data), the
officers' monthly publications and the county's featured stories."""

from typing import Any

from fastapi import APIRouter, status

from app.auth.deps import CurrentPrincipal
from app.common import Page
from app.deps import PageDep, PathId, SessionDep, SettingsDep
from app.errors import NotFound
from app.public import service
from app.public.models import (
    FeatureOut,
    Publication,
    PublicationCreate,
    PublicationDetail,
    PublicationOut,
    PublicCase,
    PublicSummary,
)
from app.reports.deps import CurrentReport
from app.reports.models import Report, is_featured

router = APIRouter(tags=["public"])


@router.get("/public/summary", response_model=PublicSummary,
            summary="信息公开：最新发布月份的分省、分县汇总（无需令牌，不含个人信息）")
def public_summary(session: SessionDep) -> dict[str, Any]:
    summary = service.public_summary(session)
    if summary is None:
        raise NotFound("尚未发布信息公开数据")
    return summary


@router.get("/public/cases", response_model=Page[PublicCase],
            summary="典型案例：县扶贫办选定的案例故事（无需令牌，不含个人信息）")
def public_cases(session: SessionDep, page: PageDep) -> Page[PublicCase]:
    cases, total = service.public_cases(session, page.limit, page.offset)
    return Page(items=cases, total=total)


@router.post("/publications", response_model=PublicationDetail, status_code=status.HTTP_201_CREATED)
def publish(data: PublicationCreate, session: SessionDep, settings: SettingsDep,
            principal: CurrentPrincipal) -> Publication:
    return service.publish_month(session, settings, principal, data.month)


@router.get("/publications", response_model=Page[PublicationOut])
def list_publications(session: SessionDep, principal: CurrentPrincipal, page: PageDep) -> Page[PublicationOut]:
    items, total = service.list_publications(session, principal, page.limit, page.offset)
    return Page(items=[PublicationOut.model_validate(p, from_attributes=True) for p in items], total=total)


@router.get("/publications/{publication_id}", response_model=PublicationDetail)
def get_publication(publication_id: PathId, session: SessionDep, principal: CurrentPrincipal) -> Publication:
    return service.get_publication(session, principal, publication_id)


def _feature(report: Report) -> FeatureOut:
    return FeatureOut(pairing_id=report.pairing_id, week=report.week, featured=is_featured(report),
                      featured_at=report.featured_at)


@router.post("/pairings/{pairing_id}/reports/{week}/feature", response_model=FeatureOut)
def feature(report: CurrentReport, session: SessionDep, settings: SettingsDep) -> FeatureOut:
    return _feature(service.feature_story(session, settings, report, True))


@router.post("/pairings/{pairing_id}/reports/{week}/unfeature", response_model=FeatureOut)
def unfeature(report: CurrentReport, session: SessionDep, settings: SettingsDep) -> FeatureOut:
    return _feature(service.feature_story(session, settings, report, False))
