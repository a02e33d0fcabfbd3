"""Reference data from DOMAIN.md: agencies, 6 regions with 29 area offices, service models,
and the procedure rules per kind of solicitation. Loaded by `procure init-db` (idempotent)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from procure.models import Agency, AreaOffice, ProcedureRule, Region, ServiceModel, SolicitationKind

AGENCIES = {
    "DCF": "Department of Children and Families (formerly Department of Social Services)",
    "DMH": "Department of Mental Health",
}

# 6 regions, 29 area offices (= 29 service areas).
REGIONS = {
    "Western": ["Greenfield", "Holyoke", "Pittsfield", "Robert Van Wart", "Springfield"],
    "Central": ["Framingham", "Leominster", "Worcester East", "Worcester West"],
    "Northeast": ["Haverhill", "Lawrence", "Lowell", "Lynn", "Salem"],
    "Metro": ["Arlington", "Cambridge", "Coastal", "Malden", "Waltham"],
    "Southeast": ["Brockton", "Cape Cod and Islands", "Fall River", "New Bedford", "Plymouth",
                  "Taunton"],
    "Boston": ["Dimock Street", "Harbor", "Hyde Park", "Park Street"],
}

SERVICE_MODELS = {
    "commonworks": ("Commonworks", "Lead agencies manage a comprehensive care package for "
                    "adolescents in group care, for a case rate."),
    "residential_treatment": ("Residential treatment", ""),
    "group_home": ("Group homes", ""),
    "short_term_shelter": ("Short-term shelters", ""),
    "contracted_foster_care": ("Specialized / contracted foster care", ""),
    "family_stabilization": ("Family stabilization and reunification", "Family-based services."),
    "family_support": ("Family support", "Family-based services."),
    "respite": ("Respite and short-term placement", "Family-based services."),
    "flexible_resources": ("Miscellaneous flexible resources",
                           "Capped at $500 per family."),
    "community_based": ("Community-based services", ""),
    "follow_along": ("Follow Along", "Residential redesign service."),
    "stepping_out": ("Stepping Out", "Residential redesign service."),
    "continuum": ("Continuum", "Residential redesign service."),
    "family_partners": ("Family Partners", "Residential redesign service."),
}

RULES = {
    SolicitationKind.RFR: dict(min_days_open=30, question_cutoff_days=10,
                               min_days_after_addendum=7, standstill_days=10, min_responses=1),
    SolicitationKind.RFI: dict(min_days_open=14, question_cutoff_days=3,
                               min_days_after_addendum=5, standstill_days=0, min_responses=0),
}


def load(session: Session) -> None:
    for code, name in AGENCIES.items():
        if session.get(Agency, code) is None:
            session.add(Agency(code=code, name=name))
    for region_name, areas in REGIONS.items():
        region = session.scalar(select(Region).where(Region.name == region_name))
        if region is None:
            region = Region(name=region_name)
            session.add(region)
            session.flush()
        for area in areas:
            if session.scalar(select(AreaOffice).where(AreaOffice.name == area)) is None:
                session.add(AreaOffice(name=area, region_id=region.id))
    for code, (name, description) in SERVICE_MODELS.items():
        if session.get(ServiceModel, code) is None:
            session.add(ServiceModel(code=code, name=name, description=description))
    for kind, values in RULES.items():
        if session.get(ProcedureRule, kind) is None:
            session.add(ProcedureRule(kind=kind, **values))
    session.flush()
