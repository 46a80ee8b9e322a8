"""JSON API of public disclosure: the two public endpoints (no token, no personal data), the
officers' monthly publications and the county's featured stories."""

from typing import Any

from fastapi import APIRouter, status

from app.auth.deps import CurrentPrincipal
from app.common import Page
from app.deps import PageDep, PathId, SessionDep, SettingsDep
from app.errors import NotFound
from app.openapi import answers
from app.public import service
from app.public.models import (
    FeatureOut,
    Publication,
    PublicationCreate,
    PublicationDetail,
    PublicationOut,
    PublicationPreview,
    PublicCase,
    PublicSummary,
    WithdrawIn,
)
from app.reports.deps import CurrentReport
from app.reports.models import Report, is_featured

router = APIRouter(tags=["public"])


@router.get("/public/summary", response_model=PublicSummary, responses=answers(404),
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


@router.post("/publications/preview", response_model=PublicationPreview,
             summary="预览发布：该月将发布的数据（不保存）", responses=answers(403, 422))
def preview(data: PublicationCreate, session: SessionDep, settings: SettingsDep,
            principal: CurrentPrincipal) -> PublicationPreview:
    p = service.preview_month(session, settings, principal, data.month)
    return PublicationPreview(month=p.month, region_code=p.region_code, week=p.week,
                              week_start=p.snapshot["week_start"], week_end=p.snapshot["week_end"],
                              snapshot=p.snapshot)


@router.post("/publications/{publication_id}/withdraw", response_model=PublicationOut,
             summary="撤回发布：公开页面改为显示此前的发布", responses=answers(403, 404, 409, 422))
def withdraw(publication_id: PathId, data: WithdrawIn, session: SessionDep, settings: SettingsDep,
             principal: CurrentPrincipal) -> Publication:
    return service.withdraw_publication(session, settings, principal, publication_id, data.reason)


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
