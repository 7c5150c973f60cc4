"""The person record's case actions: close or reopen a case, record or withdraw a
death, and transfer a case to another team."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on

from intapp import clock
from intapp.codes import code_label
from intapp.formatting import local_date, uk_date
from intapp.screens.base import DataScreen, Result, offered_to
from intapp.widgets.markup import escape

if TYPE_CHECKING:
    from collections.abc import Callable

    # Named only in the Result[...] bases below.
    from intapp.services.case_closure import ClosedCase, ReopenedCase  # noqa: F401
    from intapp.services.deaths import RecordedDeath
    from intapp.services.people import PersonSummary
    from intapp.services.person_record import PersonRecord


def _death_rule(screen: Any) -> str:
    """Anyone in casework records a death; withdrawing one is a supervisor's."""
    record = screen.record
    return "withdraw_death" if record and record.overview.person.is_deceased else "record_death"


class CaseClosed(Result["ClosedCase"]):
    """One of the person's cases closed."""


class CaseReopened(Result["ReopenedCase"]):
    """A closed case reopened."""


class DeathRecorded(Result["RecordedDeath"]):
    """The person's death was recorded, closing everything open."""


class DeathWithdrawn(Result["PersonSummary"]):
    """A death recorded in error was withdrawn."""


class CaseActions(DataScreen):
    """The keys that end, reopen or move a person's cases; `PersonScreen` inherits them
    (Textual finds inherited actions and ``@on`` handlers), and each save reads the
    record again."""

    # Set by PersonScreen.
    person_id: int
    record: PersonRecord | None

    def load_record(self) -> None:
        """Read the record again (`PersonScreen.load_record`)."""
        raise NotImplementedError

    @offered_to("transfer")
    def action_transfer(self) -> None:
        """Send the person's newest open referral or case to another team."""
        from intapp.screens.transfer_dialogs import TransferDialog
        from intapp.services.transfers import SENDABLE

        if self.record is None:
            return
        overview = self.record.overview
        referral = next((r for r in overview.referrals if r.status in SENDABLE), None)
        if referral is None:
            pending = any(r.status == "transfer" for r in overview.referrals)
            self.notify(
                "Its transfer is waiting for the other team to accept or return it."
                if pending
                else "There is no open referral or case to transfer.",
                severity="warning",
            )
            return

        def sent(done: Any) -> None:
            if done is not None:
                self.notify(
                    f"{done.reference} sent to {done.to_team}; it stays with its worker "
                    "until accepted.",
                    title="Transfer sent",
                )
                self.load_record()

        self.app.push_screen(
            TransferDialog(
                referral_id=referral.id,
                team_id=referral.team_id,
                expected_version=referral.version,
                subject=f"{overview.person.name} · {referral.reference}",
            ),
            sent,
        )

    def _open_cases(self) -> list[tuple[str, int, date]]:
        """(label, referral id, the earliest it may end) for each open referral."""
        if self.record is None:
            return []
        from intapp.services.case_closure import CLOSABLE_STATUSES  # not at start-up

        o = self.record.overview
        held = {case.referral_id: case for case in o.open_cases}
        choices = []
        for r in o.referrals:
            if r.status not in CLOSABLE_STATUSES:
                continue
            case = held.get(r.id)
            who = case.worker_name if case else "awaiting allocation"
            started = case.started_at if case and case.started_at else r.received_at
            label = f"{r.reference} · {code_label(r.pathway) or 'not triaged'} · {who}"
            choices.append((label, r.id, local_date(started)))
        return choices

    def _reopenable_cases(self) -> list[tuple[str, int]]:
        """(label, referral id) for the closed cases that may still be reopened."""
        if self.record is None:
            return []
        o, now = self.record.overview, clock.now()
        return [
            (f"{r.reference} · closed {uk_date(r.closed_at)} · {code_label(r.close_outcome)}", r.id)
            for r in o.referrals
            if r.closed_at and r.id in o.reopen_until and now <= o.reopen_until[r.id]
        ]

    def _referral_version(self, referral_id: int) -> int:
        assert self.record is not None
        return next(r.version for r in self.record.overview.referrals if r.id == referral_id)

    def _case_answer(
        self, result: type[Result[Any]], use_case: Callable[..., Any]
    ) -> Callable[[dict[str, Any] | None], None]:
        """What a case dialog's answer does: run `use_case` on the chosen referral, as the
        version this record showed, and post its `result` (nothing when cancelled)."""
        user = self.intapp.user

        def answered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            version = self._referral_version(values["referral_id"])
            self.write(
                result,
                lambda session: use_case(
                    session=session, user=user, expected_version=version, **values
                ),
            )

        return answered

    @offered_to("close_case")
    def action_close_case(self) -> None:
        """Close one of the person's open cases (asked which, when there are several)."""
        from intapp.screens.case_dialogs import CloseCaseDialog

        cases = self._open_cases()
        if not cases:
            self.notify("This person has no open case to close.", severity="warning")
            return
        from intapp.services.case_closure import close_case

        self.app.push_screen(
            CloseCaseDialog(cases, subject=self._person_name()),
            self._case_answer(CaseClosed, close_case),
        )

    @offered_to("reopen")
    def action_reopen_case(self) -> None:
        """Reopen a case closed within the reopen window."""
        from intapp.config import load_settings
        from intapp.screens.case_dialogs import ReopenCaseDialog

        cases = self._reopenable_cases()
        if not cases:
            days = load_settings().reopen_window_days
            self.notify(
                f"No case closed in the last {days} days to reopen; log a new referral instead.",
                severity="warning",
            )
            return
        from intapp.services.case_closure import reopen_case

        self.app.push_screen(
            ReopenCaseDialog(cases, subject=self._person_name()),
            self._case_answer(CaseReopened, reopen_case),
        )

    @offered_to(_death_rule)
    def action_death(self) -> None:
        """Record a death; for someone already recorded as dead, withdraw it."""
        if self.record is None:
            return
        from intapp.screens.case_dialogs import RecordDeathDialog, WithdrawDeathDialog
        from intapp.services.deaths import record_death, withdraw_death

        person, user = self.record.overview.person, self.intapp.user

        def record(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.write(
                    DeathRecorded,
                    lambda session: record_death(
                        session=session,
                        user=user,
                        person_id=person.id,
                        expected_version=person.version,
                        **values,
                    ),
                )

        def withdraw(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.write(
                    DeathWithdrawn,
                    lambda session: withdraw_death(
                        session=session,
                        user=user,
                        person_id=person.id,
                        expected_version=person.version,
                        **values,
                    ),
                )

        if person.is_deceased:
            self.app.push_screen(WithdrawDeathDialog(subject=person.name), withdraw)
        else:
            self.app.push_screen(RecordDeathDialog(subject=person.name), record)

    def _person_name(self) -> str:
        return self.record.overview.person.name if self.record else ""

    @on(CaseClosed)
    def case_closed(self, message: CaseClosed) -> None:
        closed = message.value
        plan = " The care plan is closed." if closed.plan_closed else ""
        self.notify(f"Case {closed.referral.reference} closed.{plan}", title="Closed")
        self.load_record()

    @on(CaseReopened)
    def case_reopened(self, message: CaseReopened) -> None:
        reopened = message.value
        self.notify(
            f"Case {reopened.referral.reference} reopened: {reopened.where}.", title="Reopened"
        )
        self.load_record()

    @on(DeathRecorded)
    def death_recorded(self, message: DeathRecorded) -> None:
        death: RecordedDeath = message.value
        self.notify(
            f"{len(death.cases_closed)} referral(s) closed, "
            f"{death.episodes_ended} episode(s) ended, "
            f"{death.followups_cancelled} follow-up(s) cancelled"
            f"{', the care plan closed' if death.plan_closed else ''}.",
            title="Death recorded",
        )
        self.load_record()

    @on(DeathWithdrawn)
    def death_withdrawn(self, message: DeathWithdrawn) -> None:
        person: PersonSummary = message.value
        self.notify(
            f"{escape(person.name)}'s date of death is cleared. "
            "Closed cases stay closed: reopen them with o.",
            title="Death withdrawn",
        )
        self.load_record()
