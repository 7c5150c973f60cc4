"""The assessment editor: a strengths-based conversation and the Care Act outcomes grid."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Checkbox, Header, Input, Label, Select, Static, TextArea

from intapp.codes import AssessmentStatus, OutcomeAchievement, code_label
from intapp.formatting import uk_datetime
from intapp.screens.base import DataScreen
from intapp.widgets.footer import Footer

if TYPE_CHECKING:
    from sqlmodel import Session

    from intapp.services.assessments import AssessmentIn, AssessmentSummary

TEXT_FIELDS = (
    ("what_matters", "What matters to me"),
    ("strengths", "My strengths"),
    ("family_community_assets", "Family and community assets"),
)


class AssessmentScreen(DataScreen):
    """Edit a draft (eligibility updates as the grid changes); a signed-off one is read-only."""

    BINDINGS = [
        Binding("ctrl+s", "save_draft", "Save draft", id="assessment.save"),
        Binding("ctrl+o", "sign_off", "Sign off", id="assessment.sign_off"),
        Binding("ctrl+r", "supersede", "Supersede", id="assessment.supersede"),
        Binding("escape", "leave", "Back", id="assessment.back"),
    ]

    # Straight to the first field: focusing the scrolling body first and moving on
    # restyles the whole form twice.
    AUTO_FOCUS = "#what_matters"

    def __init__(self, *, assessment_id: int) -> None:
        super().__init__()
        self.assessment_id = assessment_id
        self.assessment: AssessmentSummary | None = None
        self.person_name = ""

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
        assessment_id = self.assessment_id

        def load(session: Session) -> tuple[AssessmentSummary, str]:
            from intapp.services.assessments import load_assessment, summarise
            from intapp.services.people import get_person

            assessment = summarise(load_assessment(session=session, assessment_id=assessment_id))
            return assessment, get_person(session=session, person_id=assessment.person_id).name

        self.fetch("opened", load)

    async def loaded_opened(self, opened: tuple[AssessmentSummary, str]) -> None:
        assessment, self.person_name = opened
        await self.loaded_assessment(assessment)

    async def loaded_assessment(self, assessment: AssessmentSummary) -> None:
        from intapp.services.assessments import outcome_codes

        opening = self.assessment is None
        self.assessment = assessment
        self.refresh_bindings()
        names = dict(outcome_codes(assessment.assessment_type))
        grid = self.query_one("#outcomes", Grid)
        await grid.remove_children()
        widgets = []
        for entry in assessment.outcomes:
            code = entry["code"]
            widgets += [
                Label(names[code]),
                Select(
                    [(a.label, a.value) for a in OutcomeAchievement],
                    value=entry["achievement"],
                    allow_blank=False,
                    id=f"achieve-{code}",
                ),
                Input(
                    entry.get("reason", ""), placeholder="Why, and the impact", id=f"note-{code}"
                ),
            ]
        await grid.mount_all(widgets)
        for field, _ in TEXT_FIELDS:
            self.query_one(f"#{field}", TextArea).text = getattr(assessment, field)
        self.query_one("#risks", TextArea).text = assessment.risks
        self.query_one("#cond", Checkbox).value = assessment.needs_arise_from_condition
        self.query_one("#impact", Checkbox).value = assessment.significant_wellbeing_impact
        carer = self.query_one("#carer-health", Checkbox)
        carer.value = assessment.carer_health_at_risk
        carer.display = assessment.assessment_type == "carer"
        read_only = assessment.status != AssessmentStatus.DRAFT
        for widget in self.query("TextArea, Select, Input, Checkbox"):
            widget.disabled = read_only
        status = code_label(assessment.status, capitalised=False)
        signed = (
            f" by {assessment.signed_off_by} on {uk_datetime(assessment.signed_off_at)}"
            if assessment.signed_off_at
            else ""
        )
        hint = " · read-only: ctrl+r starts a superseding draft" if read_only else ""
        self.query_one("#assessment-status", Static).update(
            f"[b]{code_label(assessment.assessment_type)} assessment: {self.person_name}[/]"
            f" · {status}{signed}{hint}"
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

        assert self.assessment is not None
        outcomes = [
            {
                "code": entry["code"],
                "achievement": str(self.query_one(f"#achieve-{entry['code']}", Select).value),
                "reason": self.query_one(f"#note-{entry['code']}", Input).value,
                "impact": entry.get("impact", ""),
            }
            for entry in self.assessment.outcomes
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
            assessor_id=self.assessment.assessor_id,
        )

    def show_eligibility(self) -> None:
        from intapp.services.assessments import NOT_ACHIEVED, is_eligible

        if self.assessment is None:
            return
        content = self.content()
        eligible = is_eligible(
            assessment_type=self.assessment.assessment_type,
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
        if self.assessment is None or self.assessment.status != AssessmentStatus.DRAFT:
            return None
        return self.content()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what the assessment allows: edits to a draft, supersede to a
        signed-off one; the footer and the palette follow."""
        status = self.assessment.status if self.assessment else None
        if action in ("save_draft", "sign_off"):
            return status == AssessmentStatus.DRAFT
        if action == "supersede":
            return status == AssessmentStatus.SIGNED_OFF
        return True

    def action_save_draft(self) -> None:
        self._save_then("saved", sign_off=False)

    def _save_then(self, key: str, *, sign_off: bool) -> None:
        assessment = self.assessment
        if assessment is None or assessment.status != AssessmentStatus.DRAFT:
            return
        content, user = self.content(), self.intapp.user

        def save(session: Session) -> Any:
            from intapp.services.assessments import save_assessment, sign_off_assessment

            saved = save_assessment(
                session=session,
                user=user,
                assessment_id=assessment.id,
                content=content,
                expected_version=assessment.version,
            )
            if sign_off:
                saved = sign_off_assessment(session=session, user=user, assessment_id=saved.id)
            return saved

        self.save(key, save)

    async def loaded_saved(self, assessment: AssessmentSummary) -> None:
        self.notify("Draft saved.", title="Saved")
        await self.loaded_assessment(assessment)

    async def loaded_signed(self, assessment: AssessmentSummary) -> None:
        self.notify("Signed off. It can no longer be edited.", title="Signed off")
        await self.loaded_assessment(assessment)

    def action_sign_off(self) -> None:
        if self.assessment is None or self.assessment.status != AssessmentStatus.DRAFT:
            return
        from intapp.widgets.dialogs import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._save_then("signed", sign_off=True)

        self.app.push_screen(
            ConfirmScreen(
                "Sign off this assessment? It will be shared and can never be edited again.",
                yes="Sign off",
                no="Keep editing",
            ),
            answered,
        )

    def action_supersede(self) -> None:
        assessment = self.assessment
        if assessment is None or assessment.status != AssessmentStatus.SIGNED_OFF:
            return
        user = self.intapp.user

        def supersede(session: Session) -> Any:
            from intapp.services.assessments import supersede_assessment

            return supersede_assessment(session=session, user=user, assessment_id=assessment.id)

        self.save("superseding", supersede)

    def loaded_superseding(self, draft: AssessmentSummary) -> None:
        self.app.switch_screen(AssessmentScreen(assessment_id=draft.id))
