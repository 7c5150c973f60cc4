"""The assessment editor: a strengths-based conversation and the Care Act outcomes grid."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Checkbox, Header, Input, Label, Select, Static, TextArea

from intapp.codes import AssessmentStatus, OutcomeAchievement, code_label
from intapp.formatting import uk_datetime
from intapp.screens.base import DataScreen, Result, WorkFailed, offered_to
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from datetime import date

    from sqlmodel import Session

    from intapp.services.assessment_editing import AssessmentForm
    from intapp.services.assessments import AssessmentIn, AssessmentSummary

TEXT_FIELDS = (
    ("what_matters", "What matters to me"),
    ("strengths", "My strengths"),
    ("family_community_assets", "Family and community assets"),
)


class Opened(Result["AssessmentForm"]):
    """The assessment to show, as stored or as new."""


class DraftSaved(Result["AssessmentSummary"]):
    """The draft was saved."""


class SavedToSignOff(Result["AssessmentSummary"]):
    """The draft was saved so that it can be signed off next."""


class SignedOff(Result["AssessmentSummary"]):
    """The assessment was signed off."""


class Discarded(Result["AssessmentSummary"]):
    """The draft was discarded."""


class AssessmentScreen(DataScreen):
    """Edit a draft (eligibility updates as the grid changes); a signed-off one is read-only.

    Opened for a new assessment (`new_for_person`) or a superseding one (`superseding`),
    nothing is written until the first save: an assessment never saved does not exist.
    """

    BINDINGS = [
        Binding("ctrl+s", "save_draft", "Save draft", id="assessment.save"),
        Binding("ctrl+o", "sign_off", "Sign off", id="assessment.sign_off"),
        Binding("ctrl+g", "discard", "Discard draft", id="assessment.discard"),
        Binding("ctrl+r", "supersede", "Supersede", id="assessment.supersede"),
        Binding("escape", "leave", "Back", id="assessment.back"),
    ]

    # Straight to the first field: focusing the scrolling body first and moving on
    # restyles the whole form twice.
    AUTO_FOCUS = "#what_matters"

    def __init__(
        self,
        *,
        assessment_id: int | None = None,
        new_for_person: int | None = None,
        superseding: int | None = None,
        assessment_type: str = "integrated",
    ) -> None:
        super().__init__()
        assert [assessment_id, new_for_person, superseding].count(None) == 2
        self.assessment_id = assessment_id
        """The saved assessment shown; None until a new one is first saved."""
        self.new_for_person = new_for_person
        self.superseding = superseding
        self.assessment_type = assessment_type
        """For a new assessment: integrated, or a carer's."""
        self.assessed_on: date | None = None
        """The day the assessment happened, as given when signing off."""
        self.form: AssessmentForm | None = None

    @property
    def assessment(self) -> AssessmentSummary | None:
        """The assessment as saved, or None while a new one is not yet saved."""
        return self.form.saved if self.form else None

    @property
    def status(self) -> str | None:
        """The assessment's status; a new one is a draft before it is saved."""
        if self.form is None:
            return None
        return self.form.saved.status if self.form.saved else AssessmentStatus.DRAFT

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="assessment-body"):
            yield Static("Loading…", id="assessment-status", classes="panel")
            for field, label in TEXT_FIELDS:
                yield Label(label, classes="section")
                yield TextArea(id=field, classes="prose")
            yield Label("Care Act outcomes", classes="section")
            yield Grid(id="outcomes")
            yield Checkbox("Needs arise from a condition (or, for a carer, from caring)", id="cond")
            yield Checkbox("Significant impact on wellbeing", id="impact")
            yield Checkbox("Carer's own health is at risk", id="carer-health")
            yield Label("Risks", classes="section")
            yield TextArea(id="risks", classes="prose")
            yield Static("", id="eligibility", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the assessment again, or open the new one afresh."""
        assessment_id, person_id, superseding, kind = (
            self.assessment_id,
            self.new_for_person,
            self.superseding,
            self.assessment_type,
        )

        def load(session: Session) -> AssessmentForm:
            from intapp.services import assessment_editing as editing

            if assessment_id is not None:
                return editing.open_assessment(session=session, assessment_id=assessment_id)
            if superseding is not None:
                return editing.open_superseding_assessment(
                    session=session, assessment_id=superseding
                )
            assert person_id is not None
            return editing.open_new_assessment(
                session=session, person_id=person_id, assessment_type=kind
            )

        self.read(Opened, load)

    @on(Opened)
    async def opened(self, message: Opened) -> None:
        await self.show(message.value)

    @on(WorkFailed)
    def refused(self, message: WorkFailed) -> None:
        """Refusals this screen explains itself; the rest are reported as usual."""
        from intapp.services.errors import Conflict, DomainError

        error = message.error
        if message.result is Opened:
            # It cannot be opened (a superseding draft already exists, say): say why, go back.
            message.prevent_default()
            self.intapp.report_error(error)
            self.app.pop_screen()
        elif (
            message.result is SignedOff
            and isinstance(error, DomainError)
            and not isinstance(error, Conflict)  # a conflict offers to reload, as usual
        ):
            # A refused sign-off: the draft (and anything saved just before) stays saved.
            message.prevent_default()
            self.notify(error.message, title="Not signed off", severity="warning", markup=False)

    async def show(self, form: AssessmentForm) -> None:
        """Fill the form from `form`, as stored or as new; read-only unless a draft."""
        from intapp.services.assessments import outcome_codes

        opening = self.form is None
        self.form = form
        if form.saved is not None:
            self.assessment_id = form.saved.id
        self.refresh_bindings()
        content = form.content
        grid = self.query_one("#outcomes", Grid)
        if not grid.children:  # the outcomes of an assessment never change
            names = dict(outcome_codes(form.assessment_type))
            await grid.mount_all(
                widget
                for entry in content.outcomes
                for widget in (
                    Label(names[entry["code"]]),
                    Select(
                        [(a.label, a.value) for a in OutcomeAchievement],
                        value=entry["achievement"],
                        allow_blank=False,
                        id=f"achieve-{entry['code']}",
                    ),
                    Input(placeholder="Why, and the impact", id=f"note-{entry['code']}"),
                )
            )
        for entry in content.outcomes:
            self.query_one(f"#achieve-{entry['code']}", Select).value = entry["achievement"]
            self.query_one(f"#note-{entry['code']}", Input).value = entry.get("reason", "")
        for field, _ in TEXT_FIELDS:
            self.query_one(f"#{field}", TextArea).text = getattr(content, field)
        self.query_one("#risks", TextArea).text = content.risks
        self.query_one("#cond", Checkbox).value = content.needs_arise_from_condition
        self.query_one("#impact", Checkbox).value = content.significant_wellbeing_impact
        carer = self.query_one("#carer-health", Checkbox)
        carer.value = content.carer_health_at_risk
        carer.display = form.assessment_type == "carer"
        read_only = self.status != AssessmentStatus.DRAFT
        for widget in self.query("TextArea, Select, Input, Checkbox"):
            widget.disabled = read_only
        self.query_one("#assessment-status", Static).update(
            f"[b]{code_label(form.assessment_type)} assessment: {form.person_name}[/]"
            f" · {status_text(form)}"
        )
        self.show_eligibility()
        self.mark_clean()
        body = self.query_one("#assessment-body", VerticalScroll)
        if read_only:  # the fields can't take focus; the body scrolls with the keys
            body.focus()
        if opening:  # show the status line, above the first field
            body.scroll_home(animate=False)

    def content(self) -> AssessmentIn:
        """The form as the service's input."""
        from intapp.services.assessments import AssessmentIn

        assert self.form is not None
        outcomes = [
            {
                "code": entry["code"],
                "achievement": str(self.query_one(f"#achieve-{entry['code']}", Select).value),
                "reason": self.query_one(f"#note-{entry['code']}", Input).value,
                "impact": entry.get("impact", ""),
            }
            for entry in self.form.content.outcomes
        ]
        return AssessmentIn(
            what_matters=self.query_one("#what_matters", TextArea).text,
            strengths=self.query_one("#strengths", TextArea).text,
            family_community_assets=self.query_one("#family_community_assets", TextArea).text,
            outcomes=outcomes,
            risks=self.query_one("#risks", TextArea).text,
            needs_arise_from_condition=self.query_one("#cond", Checkbox).value,
            significant_wellbeing_impact=self.query_one("#impact", Checkbox).value,
            carer_health_at_risk=self.query_one("#carer-health", Checkbox).value,
            assessor_id=self.form.content.assessor_id,
        )

    def show_eligibility(self) -> None:
        from intapp.services.assessments import NOT_ACHIEVED, is_eligible

        if self.form is None:
            return
        content = self.content()
        eligible = is_eligible(
            assessment_type=self.form.assessment_type,
            outcomes=content.outcomes,
            needs_arise_from_condition=content.needs_arise_from_condition,
            significant_wellbeing_impact=content.significant_wellbeing_impact,
            carer_health_at_risk=content.carer_health_at_risk,
        )
        not_achieved = sum(o["achievement"] in NOT_ACHIEVED for o in content.outcomes)
        verdict = "[b green]Eligible[/]" if eligible else "[b]Not eligible[/]"
        self.query_one("#eligibility", Static).update(
            f"{verdict} · {not_achieved} outcome(s) not achieved without support"
        )

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def grid_changed(self) -> None:
        self.show_eligibility()

    def form_values(self) -> Any:
        if self.status != AssessmentStatus.DRAFT:
            return None
        return self.content()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what the assessment allows: edits to a draft, discarding a saved
        draft, supersede to a signed-off one; the footer and the palette follow."""
        if not super().check_action(action, parameters):  # the role may not
            return False
        if action in ("save_draft", "sign_off"):
            return self.status == AssessmentStatus.DRAFT
        if action == "discard":
            return self.assessment is not None and self.status == AssessmentStatus.DRAFT
        if action == "supersede":
            return self.status == AssessmentStatus.SIGNED_OFF
        return True

    # Save, sign off and discard: each one service call in its own transaction.

    @offered_to("assess")
    def action_save_draft(self) -> None:
        self._save_draft(DraftSaved)

    def _save_draft(self, result: type[Result[AssessmentSummary]]) -> None:
        form = self.form
        if form is None or self.status != AssessmentStatus.DRAFT:
            return
        content, user = self.content(), self.intapp.user

        def save(session: Session) -> AssessmentSummary:
            from intapp.services.assessment_editing import save_draft

            return save_draft(session=session, user=user, form=form, content=content)

        self.write(result, save)

    async def saved(self, assessment: AssessmentSummary) -> None:
        """Show the assessment as it now stands in the store."""
        from intapp.services.assessments import content_of

        assert self.form is not None
        await self.show(replace(self.form, saved=assessment, content=content_of(assessment)))

    @on(DraftSaved)
    async def draft_saved(self, message: DraftSaved) -> None:
        self.notify("Draft saved.", title="Saved")
        await self.saved(message.value)

    @offered_to("assess")
    def action_sign_off(self) -> None:
        """Sign off what the screen shows. Unsaved changes (or a new assessment) are
        saved as the draft first, in their own transaction, so a refused sign-off
        never loses them; then the saved draft is signed off."""
        if self.form is None or self.status != AssessmentStatus.DRAFT:
            return
        from intapp.screens.episode_dialogs import SignOffDialog
        from intapp.services.assessments import check_ready_to_sign_off
        from intapp.services.errors import InvalidInput

        try:  # refused before anything is saved: a new assessment stays unwritten
            check_ready_to_sign_off(what_matters=self.content().what_matters)
        except InvalidInput as error:
            self.notify(error.message, title="Not signed off", severity="warning", markup=False)
            self.query_one("#what_matters").focus()
            return
        unsaved = self.assessment is None or self.dirty

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            self.assessed_on = values["assessed_on"]
            if unsaved:
                self._save_draft(SavedToSignOff)
            else:
                self._sign_off()

        self.app.push_screen(
            SignOffDialog(subject=self.form.person_name, unsaved=unsaved), answered
        )

    @on(SavedToSignOff)
    async def saved_to_sign_off(self, message: SavedToSignOff) -> None:
        await self.saved(message.value)
        self._sign_off()

    def _sign_off(self) -> None:
        draft, user, assessed_on = self.assessment, self.intapp.user, self.assessed_on
        if draft is None:
            return

        def sign_off(session: Session) -> AssessmentSummary:
            from intapp.services.assessments import sign_off_assessment

            return sign_off_assessment(
                session=session,
                user=user,
                assessment_id=draft.id,
                expected_version=draft.version,
                assessed_on=assessed_on,
            )

        self.write(SignedOff, sign_off)

    @on(SignedOff)
    async def signed_off(self, message: SignedOff) -> None:
        self.notify("Signed off. It can no longer be edited.", title="Signed off")
        await self.saved(message.value)

    @offered_to("assess")
    def action_discard(self) -> None:
        draft, user = self.assessment, self.intapp.user
        if draft is None or draft.status != AssessmentStatus.DRAFT:
            return
        from intapp.widgets.dialogs import ConfirmScreen

        def discard(session: Session) -> AssessmentSummary:
            from intapp.services.assessment_editing import discard_draft

            return discard_draft(
                session=session,
                user=user,
                assessment_id=draft.id,
                expected_version=draft.version,
            )

        def answered(yes: bool | None) -> None:
            if yes:
                self.write(Discarded, discard)

        self.app.push_screen(
            ConfirmScreen(
                "Discard this draft assessment? It is taken off the person's record, "
                "unsaved changes too; the audit trail keeps a note that you discarded it.",
                yes="Discard",
                no="Keep it",
            ),
            answered,
        )

    @on(Discarded)
    def discarded(self, _message: Discarded) -> None:
        self.notify("The draft assessment was discarded.", title="Discarded")
        self.app.pop_screen()

    @offered_to("assess")
    def action_supersede(self) -> None:
        """Open a new draft copied from this signed-off assessment; it is written, and
        replaces this one, only when saved and signed off."""
        if self.assessment is None or self.status != AssessmentStatus.SIGNED_OFF:
            return
        self.app.push_screen(AssessmentScreen(superseding=self.assessment.id))


def status_text(form: AssessmentForm) -> str:
    """Where the assessment stands, for the line above the form."""
    saved = form.saved
    replacing = " replacing the signed-off one" if form.supersedes_id else ""
    if saved is None:
        return f"new draft{replacing}, not saved yet (ctrl+s saves it)"
    if saved.status == AssessmentStatus.DRAFT:
        return f"draft{replacing}"
    signed = (
        f" by {saved.signed_off_by} on {uk_datetime(saved.signed_off_at)}"
        if saved.signed_off_at
        else ""
    )
    hint = (
        " · read-only: ctrl+r starts a superseding draft"
        if saved.status == AssessmentStatus.SIGNED_OFF
        else " · read-only: a later assessment replaces it"
    )
    return f"{code_label(saved.status, capitalised=False)}{signed}{hint}"
