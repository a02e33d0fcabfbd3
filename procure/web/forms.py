"""Flask-WTF forms (CSRF on every one)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    StopValidation,
)
from wtforms.widgets import TextInput

from procure.models import (
    CancelReason,
    DocumentKind,
    Envelope,
    LotKind,
    MemberKind,
    Role,
    SolicitationKind,
    SupplierDiversity,
)
from procure.workflows.solicitation import MAX_AMOUNT


class WholeNumberField(IntegerField):
    """A whole number in a range. What was typed stays in the field, and a wrong value is told
    in words ("Enter a whole number from 1 to 100; 12.5 is not one."), never "required"."""

    def __init__(self, label: str, *, minimum: int, maximum: int, required: bool = True,
                 **kwargs) -> None:
        self.minimum, self.maximum, self.required = minimum, maximum, required
        kwargs.setdefault("description", f"A whole number from {minimum} to {maximum}"
                          + ("" if required else "; leave it empty for none") + ".")
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist: list) -> None:
        self.data = None
        text = str(valuelist[0]).strip() if valuelist else ""
        if text:
            try:
                self.data = int(text.replace(",", ""))
            except ValueError:
                self.data = None

    def pre_validate(self, form) -> None:
        text = str(self.raw_data[0]).strip() if self.raw_data else ""
        wanted = f"a whole number from {self.minimum} to {self.maximum}"
        if not text:
            if self.required:
                raise StopValidation(f"Enter {wanted}.")
            self.errors[:] = []
            raise StopValidation()
        if self.data is None or not self.minimum <= self.data <= self.maximum:
            raise StopValidation(f"Enter {wanted}; {text} is not one.")


class AmountField(DecimalField):
    """Dollars and cents, from $0 to $999,999,999,999.99; "$700,150.00" is read as typed."""

    widget = TextInput()   # "$700,150.00" can be typed (a number input refuses it)

    def __init__(self, label: str, *, optional: bool = False, **kwargs) -> None:
        self.optional = optional            # empty: the use case's default
        kwargs.setdefault("description", "In dollars, e.g. 700150 or $700,150.00.")
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, places=2, **kwargs)

    def process_formdata(self, valuelist: list) -> None:
        self.data = None
        text = str(valuelist[0]).strip().replace(",", "").lstrip("$").strip() if valuelist else ""
        if text:
            try:
                self.data = Decimal(text)
            except InvalidOperation:
                self.data = None

    def pre_validate(self, form) -> None:
        text = str(self.raw_data[0]).strip() if self.raw_data else ""
        wanted = "an amount in dollars from $0 to $999,999,999,999.99"
        if not text and self.optional:
            raise StopValidation()
        if not text:
            raise StopValidation(f"Enter {wanted}.")
        value = self.data
        if value is None or not value.is_finite() or not 0 <= value <= MAX_AMOUNT:
            raise StopValidation(f"Enter {wanted}; {text} is not one.")
        if value != value.quantize(Decimal("0.01")):
            raise StopValidation("Enter dollars and cents: at most two digits after the point.")


CONFIRM_MISSING = "Tick the box to confirm; nothing was changed."


def _choices(enum_class) -> list[tuple[str, str]]:
    return [(member.name, member.value) for member in enum_class]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])
    submit = SubmitField("Sign in")


class RegisterForm(FlaskForm):
    legal_name = StringField("Organisation's legal name", validators=[DataRequired(), Length(max=200)])
    fein = StringField("FEIN (federal tax ID)", description="Two digits, a hyphen, seven digits: 04-1234567",
                       validators=[DataRequired(), Regexp(r"^\d{2}-\d{7}$", message="Write the FEIN as NN-NNNNNNN, for example 04-1234567.")])
    address = TextAreaField("Address", validators=[DataRequired(), Length(max=500)])
    contact_phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    diversity = SelectField("Supplier-diversity certification", choices=_choices(SupplierDiversity))
    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Your email (you sign in with it)", validators=[DataRequired(), Email(), Length(max=200)])
    password = PasswordField("Password", description="At least 12 characters.",
                             validators=[DataRequired(), Length(min=12, max=200)])
    submit = SubmitField("Register organisation")


class DiversityForm(FlaskForm):
    diversity = SelectField("Supplier-diversity certification", choices=_choices(SupplierDiversity))
    submit = SubmitField("Save the certification")


class MemberForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=200)])
    password = PasswordField("First password", description="At least 12 characters; they can change it.",
                             validators=[DataRequired(), Length(min=12, max=200)])
    submit = SubmitField("Add colleague")


class SolicitationForm(FlaskForm):
    kind = SelectField("Kind", choices=_choices(SolicitationKind))
    number = StringField("Number", description="Leave empty to number it automatically (DCF-2026-RFR-014).",
                         validators=[Optional(), Regexp(r"^[A-Z]{2,5}-\d{4}-(RFI|RFR)-\d{3}$", message="Use the form DCF-2026-RFR-014.")])
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    agencies = SelectMultipleField("Issuing agencies", description="Choose several for a joint procurement.",
                                   validators=[DataRequired(message="Choose at least one agency.")])
    description = TextAreaField("Description", validators=[Optional(), Length(max=20000)])
    questions_due = DateTimeLocalField("Questions due (Eastern time)", validators=[Optional()])
    conference_at = DateTimeLocalField("Bidders' conference (Eastern time)", validators=[Optional()])
    conference_location = StringField("Conference location", validators=[Optional(), Length(max=300)])
    deadline = DateTimeLocalField("Submission deadline (Eastern time)", validators=[Optional()])
    informed_by = SelectField("RFI that informed it (RFRs)", coerce=int, default=0,
                              description="Its comments are shown here while you draft.")
    expected_award = DateField("Expected award", validators=[Optional()])
    contract_start = DateField("Contract start", validators=[Optional()])
    required_document_kinds = SelectMultipleField(
        "Documents every response must hold (RFRs)", choices=_choices(DocumentKind),
        validators=[Optional()], render_kw={"size": len(DocumentKind)},
        description="A response without a document of each chosen kind cannot be submitted; "
                    "the bidder is told which is missing. Choose none to require nothing.")
    submit = SubmitField("Save draft")


class DraftDetailsForm(SolicitationForm):
    """A draft's details: its kind and number are fixed once it exists, so the form has
    neither (a field the page does not show cannot be required of it)."""
    kind = None
    number = None


class LotForm(FlaskForm):
    kind = SelectField("Kind of lot", choices=_choices(LotKind))
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    area_offices = SelectMultipleField("Area offices (lead agency; several when joined, or where network services are bought)",
                                       coerce=int, validators=[Optional()])
    region = SelectField("Region (regional resource center)", coerce=int, validators=[Optional()])
    service_model = SelectField("Service model (network services)", validators=[Optional()])
    estimated_annual_value = AmountField("Estimated annual value ($)")
    max_awards = WholeNumberField("Awards it may get", minimum=1, maximum=50, default=1)
    submit = SubmitField("Add lot")


class SectionForm(FlaskForm):
    title = StringField("Section title", validators=[DataRequired(), Length(max=200)])
    aliases = StringField("Other headings that count (comma-separated)", validators=[Optional(), Length(max=500)])
    page_limit = WholeNumberField("Page limit", minimum=1, maximum=500, required=False)
    submit = SubmitField("Add section")


class CriterionForm(FlaskForm):
    name = StringField("Criterion", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("What evaluators look for", validators=[Optional(), Length(max=2000)])
    weight = WholeNumberField("Weight (%)", minimum=1, maximum=100)
    max_points = WholeNumberField("Maximum points", minimum=1, maximum=1000, default=10)
    envelope = SelectField("Envelope", choices=_choices(Envelope))
    submit = SubmitField("Add criterion")


class AmendmentForm(FlaskForm):
    """Editing a part: in place on a draft; once published, by the addendum named here (and
    only once the officer ticks that it is published to every bidder at once)."""
    addendum_title = StringField("Addendum title (published solicitations change by addendum)",
                                 validators=[Optional(), Length(max=300)])
    addendum_body = TextAreaField("Addendum text (optional: the list of changes is published with it)",
                                  validators=[Optional(), Length(max=20000)])
    confirm = BooleanField("I understand the addendum is published to everyone at once, and "
                           "bidders who already submitted must confirm their responses")


class LotEditForm(LotForm, AmendmentForm):
    submit = SubmitField("Save lot")


class SectionEditForm(SectionForm, AmendmentForm):
    submit = SubmitField("Save section")


class CriterionEditForm(CriterionForm, AmendmentForm):
    submit = SubmitField("Save criterion")


EDIT_FORMS = {"lot": LotEditForm, "section": SectionEditForm, "criterion": CriterionEditForm}


class RulesForm(FlaskForm):
    min_days_open = WholeNumberField("Days open at least", minimum=0, maximum=365)
    question_cutoff_days = WholeNumberField("Questions close this many days before the deadline", minimum=0, maximum=365)
    min_days_after_addendum = WholeNumberField("Days bidders get at least after an addendum", minimum=0, maximum=365)
    standstill_days = WholeNumberField("Standstill days after an award", minimum=0, maximum=365)
    min_responses = WholeNumberField("Responses needed at least", minimum=0, maximum=365)
    show_sealed_counts = BooleanField("Officers see how many sealed responses arrived before the opening (never who or what)")
    submit = SubmitField("Save rules")


class DocumentForm(FlaskForm):
    title = StringField("Document title", validators=[DataRequired(), Length(max=300)])
    file = FileField("PDF file", validators=[FileRequired(), FileAllowed(["pdf"], "Upload a PDF.")])
    submit = SubmitField("Attach document")


class AddendumForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    body = TextAreaField("What changes", validators=[DataRequired(), Length(max=20000)])
    new_deadline = DateTimeLocalField("New deadline (Eastern time; leave empty to keep it)", validators=[Optional()])
    shorten_reason = TextAreaField("Reason for bringing the deadline forward (only if the new deadline is earlier)",
                                   description="Published with the addendum and kept in the audit trail.",
                                   validators=[Optional(), Length(max=2000)])
    file = FileField("Revised document (PDF, optional)", validators=[Optional(), FileAllowed(["pdf"], "Upload a PDF.")])
    confirm = BooleanField("I understand the addendum is published to everyone at once, and "
                           "bidders who already submitted must confirm their responses",
                           validators=[DataRequired(message=CONFIRM_MISSING)])
    submit = SubmitField("Publish addendum")


class CancelForm(FlaskForm):
    cancel_reason = SelectField("Reason", choices=_choices(CancelReason))
    text = TextAreaField("Explanation for bidders", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Cancel solicitation")


class DraftCancelForm(FlaskForm):
    """Cancelling a draft that was never published: nobody outside saw it, so no coded reason
    and no explanation for bidders; a note for the file is optional."""
    text = TextAreaField("Note for the file (optional; never shown outside the agency)",
                         validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Cancel draft")


class ConfirmForm(FlaskForm):
    """A step that cannot be undone: sent only with its box ticked (works without JavaScript)."""
    confirm = BooleanField("Yes, I am sure", validators=[DataRequired(message=CONFIRM_MISSING)])


class JudgeForm(FlaskForm):
    """Accepting needs the box ticked; rejecting needs the reason the bidder will read."""
    reason = TextAreaField("Why it is not responsive (the bidder is told)",
                           validators=[Optional(), Length(max=2000)])
    confirm = BooleanField("I have read this response and it meets the requirements to be evaluated")


class EventForm(FlaskForm):
    """A lifecycle button: the event comes from the URL, the form carries CSRF and a reason."""
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=2000)])


class FinalizeForm(EventForm):
    """Finalizing ranks the responses for good: sent only with its box ticked."""
    confirm = BooleanField("I have checked every consensus score and the price scores: rank the "
                           "responses now (the ranking is final)",
                           validators=[DataRequired(message=CONFIRM_MISSING)])


class BelowMinimumForm(FlaskForm):
    """An RFR opened below its procedure's minimum of responses: what the officer decides."""
    decision = SelectField("Decision", choices=[
        ("evaluate", "Evaluate anyway"), ("readvertise", "Re-advertise (cancel this RFR)"),
        ("cancel", "Cancel")], validators=[DataRequired()])
    reason = TextAreaField("Reason (on the record; bidders read it if the RFR is cancelled)",
                           validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Record the decision")


class QuestionForm(FlaskForm):
    body = TextAreaField("Your question", validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField("Ask privately")


class AnswerForm(FlaskForm):
    answer = TextAreaField("Answer (published to everyone, without the asker's name)",
                           validators=[DataRequired(), Length(max=10000)])
    submit = SubmitField("Publish answer")


class CommentForm(FlaskForm):
    body = TextAreaField("Your comment on the program model", validators=[DataRequired(), Length(max=20000)])
    submit = SubmitField("Send comment")


class UploadForm(FlaskForm):
    kind = SelectField("What this document is", choices=_choices(DocumentKind))
    file = FileField("PDF file", validators=[FileRequired(), FileAllowed(["pdf"], "Upload a PDF.")])
    submit = SubmitField("Upload")


class SearchForm(FlaskForm):
    class Meta:
        csrf = False
    q = StringField("Words", validators=[Optional(), Length(max=200)])
    agency = SelectField("Agency", validators=[Optional()])
    region = SelectField("Region", validators=[Optional()])
    service_model = SelectField("Service model", validators=[Optional()])
    status = SelectField("Status", validators=[Optional()])




class ForgotForm(FlaskForm):
    email = EmailField("Your email", validators=[DataRequired(), Email(), Length(max=200)])
    submit = SubmitField("Send me a link")


class ResetForm(FlaskForm):
    new_password = PasswordField("New password", description="At least 12 characters.",
                                 validators=[DataRequired(), Length(min=12, max=200, message="A password has at least 12 characters.")])
    confirm = PasswordField("New password again", validators=[DataRequired(), EqualTo("new_password", message="The two new passwords differ.")])
    submit = SubmitField("Set new password")


class InviteForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", description="We email them a link to set their password; it works once.",
                       validators=[DataRequired(), Email(), Length(max=200)])
    role = SelectField("Role", choices=[(r.name, r.value) for r in (Role.officer, Role.panelist, Role.admin)])
    submit = SubmitField("Send the invitation")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[(r.name, r.value) for r in (Role.admin, Role.officer, Role.panelist)])


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", description="At least 12 characters.",
                                 validators=[DataRequired(), Length(min=12, max=200, message="A password has at least 12 characters.")])
    confirm = PasswordField("New password again", validators=[DataRequired(), EqualTo("new_password", message="The two new passwords differ.")])
    submit = SubmitField("Change password")


class TokenForm(FlaskForm):
    name = StringField("Token name", description="What it is for, e.g. nightly export.",
                       validators=[DataRequired(), Length(max=100)])
    days = SelectField("Works for", choices=[("30", "30 days"), ("90", "90 days"), ("180", "180 days"), ("365", "a year")], default="90")
    read_only = BooleanField("Read only (it cannot change anything)")
    password = PasswordField("Your current password", description="Asked again before a token is made.",
                             validators=[DataRequired(message="Enter your current password to make a token.")])
    submit = SubmitField("Create token")


class PlanForm(FlaskForm):
    blind = BooleanField("Blind evaluation: evaluators see bidder codes, never names")
    half_points = BooleanField("Half points allowed (like 7.5)")


class PanelForm(FlaskForm):
    name = StringField("Panel name", validators=[DataRequired(), Length(max=200)],
                       description="For example “Lead agencies, Western region”.")
    lots = SelectMultipleField("Lots this panel scores", coerce=int,
                               validators=[DataRequired(message="Choose at least one lot.")])


class PanelMemberForm(FlaskForm):
    user = SelectField("Person", coerce=int)
    kind = SelectField("Sits as", choices=_choices(MemberKind))
    chair = BooleanField("Chairs the panel")


class RemoveMemberForm(FlaskForm):
    reason = TextAreaField("Why they leave the panel (on the record)",
                           validators=[DataRequired(message="Say why the member leaves the panel."),
                                       Length(max=2000)])
    replacement = SelectField("Replaced by", coerce=int)
    kind = SelectField("The replacement sits as", choices=_choices(MemberKind))


class CostForm(FlaskForm):
    amount = AmountField("Evaluated cost ($ a year)")   # the use case refuses $0 and less
    reason = TextAreaField("Why the figure is corrected", validators=[DataRequired(),
                                                                     Length(max=2000)])


class AssignForm(FlaskForm):
    member = SelectField("Member", coerce=int)
    response = SelectField("Response")


class ReturnForm(FlaskForm):
    reason = TextAreaField("Why it goes back (the member reads this)",
                           validators=[DataRequired(), Length(max=2000)])


# ==================================================================================================
# Awards, protests and contracts (issue 13; procure/web/award.py). Kept together at the end.
# ==================================================================================================

from wtforms import FieldList, Form, FormField, MultipleFileField, RadioField

from procure.models import RateType


class OptionalAmountField(AmountField):
    """An amount that may be left empty (a blank row of a table of rates)."""

    def pre_validate(self, form) -> None:
        text = str(self.raw_data[0]).strip() if self.raw_data else ""
        if not text:
            self.errors[:] = []
            raise StopValidation()
        super().pre_validate(form)


class ProposeForm(FlaskForm):
    response = SelectField("Bidder to award")
    amount = AmountField("Annual amount ($)", optional=True,
                         description="What the contract pays a year: left empty, the chosen "
                                     "bidder's evaluated cost (beside its name), or the lot's "
                                     "estimate where none was read.")
    justification = TextAreaField(
        "Justification", validators=[Optional(), Length(max=5000)],
        description="Needed when you choose other than the top-ranked bidder not yet proposed, "
                    "or an amount above the bidder's evaluated cost or the lot's estimate; the "
                    "approving officer reads it.")
    submit = SubmitField("Propose the award")


class ReasonForm(FlaskForm):
    """Withdraw an award, terminate a contract: the reason stays on the record."""
    reason = TextAreaField("Reason", validators=[DataRequired(message="Give the reason: it stays "
                                                              "on the record."), Length(max=2000)])


class LotOutcomeForm(FlaskForm):
    """Close a lot without an award, so the RFR can finish."""
    outcome = RadioField("Outcome", choices=[
        ("no_award", "No award (nobody fit the lot)"),
        ("reprocure", "To be procured again")],
                         validators=[DataRequired(message="Choose the lot's outcome.")])
    reason = TextAreaField("Why (on the record)",
                           validators=[DataRequired(message="Give the reason: it stays on the "
                                                            "record."), Length(max=2000)])


class DecideProtestForm(FlaskForm):
    decision = RadioField("Decision", choices=[
        ("deny", "Deny the protest (the award stands)"),
        ("uphold", "Uphold the protest (the award goes back to proposed)")],
                          validators=[DataRequired(message="Choose to uphold or deny.")])
    reasons = TextAreaField("Reasons (the bidder who protested is told them)",
                            validators=[DataRequired(message="Give the reasons for the decision."),
                                        Length(max=10000)])
    submit = SubmitField("Record the decision")


class ProtestForm(FlaskForm):
    award = SelectField("Award you protest")
    grounds = TextAreaField("Grounds of the protest",
                            validators=[DataRequired(message="State the grounds of the protest."),
                                        Length(max=20000)])
    documents = MultipleFileField("Supporting documents (PDF, optional; several may be chosen)",
                                  validators=[Optional()])
    submit = SubmitField("File the protest")

    def validate_documents(self, field) -> None:
        for upload in field.data or []:
            name = getattr(upload, "filename", "") or ""
            if not name:
                continue
            head = upload.stream.read(5)
            upload.stream.seek(0)
            if not name.lower().endswith(".pdf") or head != b"%PDF-":
                raise StopValidation(f"{name}: upload PDF files only.")


class RateRowForm(Form):
    service = StringField("Service", validators=[Optional(), Length(max=200)])
    unit = SelectField("Rate type", choices=_choices(RateType), default=RateType.per_diem.name,
                       validate_choice=False)   # checked for the rows that are filled in
    rate = OptionalAmountField("Rate ($)", description="")


class MeasureRowForm(Form):
    name = StringField("Measure", validators=[Optional(), Length(max=200)])
    target = StringField("Target", validators=[Optional(), Length(max=200)])
    incentive = StringField("Incentive", validators=[Optional(), Length(max=300)])


class _TermsRows:
    """The rows of rates and measures: blank rows are left out; a half-filled one is marked."""

    def validate_rates(self, field) -> None:
        for entry in field:
            row = entry.form
            if (row.service.data or "").strip() and row.rate.data is None \
                    and row.unit.data != RateType.cost_reimbursement.name:   # paid at cost
                row.rate.errors.append(f"Give the rate for {row.service.data.strip()}.")
                raise StopValidation("A rate row is incomplete: give each service its rate.")
            if (row.service.data or "").strip() and row.unit.data not in RateType.__members__:
                row.unit.errors.append("Choose the rate type from the list.")
                raise StopValidation("A rate row is incomplete: choose each rate's type.")
            if row.rate.data is not None and not (row.service.data or "").strip():
                row.service.errors.append("Name the service this rate pays for.")
                raise StopValidation("A rate row is incomplete: name each rate's service.")

    def validate_measures(self, field) -> None:
        for entry in field:
            row = entry.form
            name, target = (row.name.data or "").strip(), (row.target.data or "").strip()
            if (name or target or (row.incentive.data or "").strip()) and not (name and target):
                (row.target if name else row.name).errors.append(
                    "Each measure needs a name and a target.")
                raise StopValidation("A performance measure row is incomplete: each measure "
                                     "needs a name and a target.")


class ContractForm(_TermsRows, FlaskForm):
    start_date = DateField("Start date", validators=[DataRequired(message="Give the start date.")])
    end_date = DateField("End date", validators=[DataRequired(message="Give the end date.")])
    annual_maximum = AmountField("Annual maximum ($)")
    rate_type = SelectField("Rate type", choices=_choices(RateType))
    rates = FieldList(FormField(RateRowForm), min_entries=3)
    measures = FieldList(FormField(MeasureRowForm), min_entries=3)
    submit = SubmitField("Save the contract")


class AmendForm(_TermsRows, FlaskForm):
    reason = TextAreaField("Reason for the amendment",
                           validators=[DataRequired(message="Give the reason for the amendment."),
                                       Length(max=5000)])
    annual_maximum = AmountField("Annual maximum ($)")
    end_date = DateField("End date", validators=[DataRequired(message="Give the end date.")])
    rates = FieldList(FormField(RateRowForm), min_entries=1)
    measures = FieldList(FormField(MeasureRowForm), min_entries=1)
    submit = SubmitField("Amend the contract")


class EncumberForm(FlaskForm):
    fiscal_year = SelectField("State fiscal year", coerce=int)
    amount = AmountField("Amount encumbered ($)",
                         description="Up to the annual maximum; set again to raise or lower it.")
    submit = SubmitField("Encumber")


class DrawDownForm(FlaskForm):
    service_date = DateField("Date of service",
                             validators=[DataRequired(message="Give the date of service.")])
    amount = AmountField("Amount ($)")
    service = StringField("Service", validators=[DataRequired(message="Name the service."),
                                                 Length(max=200)])
    family_reference = StringField("Family reference (where it applies)",
                                   validators=[Optional(), Length(max=60)])
    flexible_funds = BooleanField("Flexible family funds (at most $500 per family a year)")
    submit = SubmitField("Record the draw-down")
