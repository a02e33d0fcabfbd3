"""All models, imported here so that metadata and Alembic see every table."""

from procure.models.audit import AuditCheck, AuditEvent, AuditHead
from procure.models.award import (
    Award,
    AwardNotice,
    AwardStatus,
    LotOutcome,
    LotOutcomeKind,
    Protest,
    ProtestDocument,
    ProtestStatus,
)
from procure.models.base import Base
from procure.models.contract import (
    AmendmentStatus,
    Contract,
    ContractAmendment,
    ContractDocument,
    ContractRate,
    ContractStatus,
    DrawDown,
    Encumbrance,
    PerformanceMeasure,
    RateType,
)
from procure.models.evaluation import (
    ConflictDeclaration,
    ConsensusScore,
    CostSource,
    EvaluatedCost,
    EvaluationPlan,
    MemberKind,
    Panel,
    PanelMember,
    PanelStatus,
    ProposedRate,
    RateCardLine,
    RateUnit,
    Score,
    Scoresheet,
    ScoresheetStatus,
)
from procure.models.mail import OutgoingMail
from procure.models.ops import SchedulerRun
from procure.models.org import (
    Agency,
    ApiToken,
    AreaOffice,
    Organization,
    Region,
    Role,
    ServiceModel,
    SupplierDiversity,
    User,
)
from procure.models.response import (
    Document,
    DocumentKind,
    IntakeStatus,
    Receipt,
    Response,
    ResponseStatus,
)
from procure.models.solicitation import (
    Addendum,
    CancelReason,
    Criterion,
    Envelope,
    Lot,
    LotKind,
    ProcedureRule,
    Question,
    RequiredSection,
    RfiComment,
    Solicitation,
    SolicitationDocument,
    SolicitationKind,
    SolicitationStatus,
)

__all__ = [
    "Award", "AwardNotice", "AwardStatus", "LotOutcome", "LotOutcomeKind", "Protest", "ProtestDocument", "ProtestStatus",
    "AmendmentStatus", "Contract", "ContractAmendment", "ContractDocument", "ContractRate", "ContractStatus",
    "DrawDown", "Encumbrance", "PerformanceMeasure", "RateType",
    "ConflictDeclaration", "ConsensusScore", "CostSource", "EvaluatedCost", "EvaluationPlan",
    "MemberKind", "Panel", "PanelMember", "PanelStatus", "ProposedRate", "RateCardLine",
    "RateUnit", "Score", "Scoresheet", "ScoresheetStatus",
    "Addendum", "Agency", "ApiToken", "AreaOffice", "AuditCheck", "AuditEvent", "AuditHead", "Base",
    "CancelReason", "Criterion", "Document", "DocumentKind", "Envelope", "IntakeStatus", "Lot",
    "LotKind", "Organization", "ProcedureRule", "Question", "Receipt", "Region",
    "RequiredSection", "Response", "ResponseStatus", "RfiComment", "Role", "ServiceModel",
    "Solicitation", "SolicitationDocument", "SolicitationKind", "SolicitationStatus",
    "SupplierDiversity", "User", "OutgoingMail", "SchedulerRun",
]
