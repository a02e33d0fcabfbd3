"""Flask-WTF forms (CSRF on every one)."""

from __future__ import annotations

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
    NumberRange,
    Optional,
    Regexp,
)

from procure.models import (
    CancelReason,
    DocumentKind,
    Envelope,
    LotKind,
    MemberKind,
    SolicitationKind,
    SupplierDiversity,
)


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
    expected_award = DateField("Expected award", validators=[Optional()])
    contract_start = DateField("Contract start", validators=[Optional()])
    submit = SubmitField("Save draft")


class LotForm(FlaskForm):
    kind = SelectField("Kind of lot", choices=_choices(LotKind))
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    area_offices = SelectMultipleField("Area offices (lead agency; several when joined, or where network services are bought)",
                                       coerce=int, validators=[Optional()])
    region = SelectField("Region (regional resource center)", coerce=int, validators=[Optional()])
    service_model = SelectField("Service model (network services)", validators=[Optional()])
    estimated_annual_value = DecimalField("Estimated annual value ($)", places=2,
                                          validators=[DataRequired(), NumberRange(min=0)])
    max_awards = IntegerField("Awards it may get", default=1, validators=[DataRequired(), NumberRange(min=1, max=50)])
    submit = SubmitField("Add lot")


class SectionForm(FlaskForm):
    title = StringField("Section title", validators=[DataRequired(), Length(max=200)])
    aliases = StringField("Other headings that count (comma-separated)", validators=[Optional(), Length(max=500)])
    page_limit = IntegerField("Page limit", validators=[Optional(), NumberRange(min=1, max=500)])
    submit = SubmitField("Add section")


class CriterionForm(FlaskForm):
    name = StringField("Criterion", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("What evaluators look for", validators=[Optional(), Length(max=2000)])
    weight = IntegerField("Weight (%)", validators=[DataRequired(), NumberRange(min=1, max=100)])
    max_points = IntegerField("Maximum points", default=10, validators=[DataRequired(), NumberRange(min=1, max=1000)])
    envelope = SelectField("Envelope", choices=_choices(Envelope))
    submit = SubmitField("Add criterion")


class DocumentForm(FlaskForm):
    title = StringField("Document title", validators=[DataRequired(), Length(max=300)])
    file = FileField("PDF file", validators=[FileRequired(), FileAllowed(["pdf"], "Upload a PDF.")])
    submit = SubmitField("Attach document")


class AddendumForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    body = TextAreaField("What changes", validators=[DataRequired(), Length(max=20000)])
    new_deadline = DateTimeLocalField("New deadline (Eastern time; leave empty to keep it)", validators=[Optional()])
    file = FileField("Revised document (PDF, optional)", validators=[Optional(), FileAllowed(["pdf"], "Upload a PDF.")])
    submit = SubmitField("Publish addendum")


class CancelForm(FlaskForm):
    cancel_reason = SelectField("Reason", choices=_choices(CancelReason))
    text = TextAreaField("Explanation for bidders", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Cancel solicitation")


class EventForm(FlaskForm):
    """A lifecycle button: the event comes from the URL, the form carries CSRF and a reason."""
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=2000)])


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


class CostForm(FlaskForm):
    amount = DecimalField("Evaluated cost ($ a year)", places=2,
                          validators=[DataRequired(), NumberRange(min=0.01)])
    reason = TextAreaField("Why the figure is corrected", validators=[DataRequired(),
                                                                     Length(max=2000)])


class AssignForm(FlaskForm):
    member = SelectField("Member", coerce=int)
    response = SelectField("Response")


class ReturnForm(FlaskForm):
    reason = TextAreaField("Why it goes back (the member reads this)",
                           validators=[DataRequired(), Length(max=2000)])
