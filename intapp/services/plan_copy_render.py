"""How the person's copy of their plan reads, and that copy as Markdown or as one printable
HTML page. The wording is written once (`document`); the two formats only lay it out."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from intapp.formatting import markdown_escaped, uk_date
from intapp.services.errors import InvalidInput
from intapp.services.plan_copy import FORMATS, ActionLine, AssessmentPart, PlanCopy


@dataclass(frozen=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True)
class Text:
    """Sentences; each line of it a paragraph of its own (text typed by a worker keeps its
    lines). A "notice" stands out; a "quiet" one is small print."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class Items:
    """A bulleted list; each entry is (what stands out, the rest of the line)."""

    entries: list[tuple[str, str]]


Block = Heading | Text | Items

# Who an action names, as the person reads it.
_WHO = {"person": "you", "the person": "you", "self": "you", "family": "your family"}


def document(copy: PlanCopy) -> list[Block]:
    """The copy, block by block: the person's own words first, then what will happen and
    who will do it, what is arranged, the review, whom to contact and the assessment."""
    facts = [f"Born {uk_date(copy.date_of_birth)}"]
    if copy.nhs_number:
        facts.append(f"NHS number {copy.nhs_number}")
    blocks: list[Block] = [
        Heading(f"Care and support plan for {copy.name}", 1),
        Text(" · ".join(facts)),
    ]
    if copy.ended_on:
        blocks.append(
            Text(
                f"This plan ended on {uk_date(copy.ended_on)}. "
                "It is a record of what was planned and what was done.",
                "notice",
            )
        )
    blocks += [
        Heading("What you want to achieve, in your own words", 2),
        Items([("", f"“{goal}”") for goal in copy.goals]),
        *_actions(copy),
    ]
    if copy.items:
        blocks += [
            Heading("What has been arranged for you", 2),
            Items(
                [
                    (what, kind + (f", £{cost:,.2f}" if cost else ""))
                    for what, kind, cost in copy.items
                ]
            ),
        ]
    if not copy.ended_on:
        blocks += [
            Heading("Your review", 2),
            Text(
                f"We will look at this plan again with you by {uk_date(copy.review_date)}. "
                "If things change before then, tell us and we will look at it sooner."
                if copy.review_date >= copy.made_on
                else f"This plan was due to be looked at again on {uk_date(copy.review_date)}. "
                "We will arrange this with you soon."
            ),
        ]
    blocks += [*_contact(copy), *_assessment(copy.assessment)]
    blocks += [
        Heading("About this copy", 2),
        Text(
            f"This is version {copy.plan_number} of your plan, agreed on "
            f"{uk_date(copy.agreed_on)}. This copy was made on {uk_date(copy.made_on)}.\n"
            "It is about you and it is private: please keep it somewhere safe. "
            "You can ask for a copy of your plan at any time.",
            "quiet",
        ),
    ]
    return blocks


def _action(action: ActionLine, *, done: bool) -> tuple[str, str]:
    who = _WHO.get(action.who.lower(), action.who)
    if done:
        return action.what, f"{who}, done"
    when = f", by {uk_date(action.by_when)}" if action.by_when else ""
    return action.what, f"{who}{when}"


def _actions(copy: PlanCopy) -> list[Block]:
    blocks: list[Block] = []
    if not copy.ended_on:
        blocks += [
            Heading("What will happen, who will do it and by when", 2),
            Items([_action(a, done=False) for a in copy.open_actions])
            if copy.open_actions
            else Text("Nothing is waiting to be done just now."),
        ]
    if copy.done_actions:
        blocks += [
            Heading("What was done", 2) if copy.ended_on else Heading("Already done", 3),
            Items([_action(a, done=True) for a in copy.done_actions]),
        ]
    return blocks


def _contact(copy: PlanCopy) -> list[Block]:
    team = f"the {copy.team} team" if copy.team else "your team"
    if copy.ended_on:
        lines = [f"If you need support again, contact {team}."]
    elif copy.lead_worker:
        name = copy.lead_worker
        lines = [
            f"{name}, {copy.lead_worker_role}, leads your plan, in {team}.",
            *([f"Email: {copy.lead_worker_email}"] if copy.lead_worker_email else []),
            f"If things change, or you want to talk about your plan, contact {team} "
            f"and ask for {name}.",
        ]
    else:
        lines = [
            f"Your plan is looked after by {team}.",
            f"If things change, or you want to talk about your plan, contact {team}.",
        ]
    return [Heading("Who to contact", 2), Text("\n".join(lines))]


def _assessment(part: AssessmentPart | None) -> list[Block]:
    if part is None:
        return []
    kind = "carer's assessment" if part.carers else "assessment"
    blocks: list[Block] = [
        Heading(f"Your {kind}", 2),
        Text(f"Your {kind} was completed on {uk_date(part.assessed_on)}. This is what it found."),
    ]
    for heading, text in (
        ("What matters to you", part.what_matters),
        ("Your strengths", part.strengths),
        ("People and things that help you", part.family_community_assets),
    ):
        if text.strip():
            blocks += [Heading(heading, 3), Text(text)]
    if part.needs:
        blocks += [
            Heading("Where you need help", 3),
            Items(
                [
                    (
                        need.outcome,
                        (
                            "you can do this with help"
                            if need.with_help
                            else "you are not able to do this at the moment"
                        )
                        + (f". {need.reason}" if need.reason else ""),
                    )
                    for need in part.needs
                ]
            ),
        ]
    needs = "Your needs as a carer" if part.carers else "Your needs"
    blocks += [
        Heading("Whether you are eligible for support", 3),
        Text(
            f"{needs} meet the national eligibility criteria (Care Act 2014). This means the "
            "council must make sure they are met, and this plan says how."
            if part.eligible
            else f"{needs} do not meet the national eligibility criteria (Care Act 2014) at "
            "the moment. You can still ask us for information and advice, and about "
            "support in your community."
        ),
    ]
    return blocks


def render(copy: PlanCopy, fmt: str) -> str:
    """The copy as `fmt`: "md" (Markdown) or "html" (one printable page)."""
    if fmt == "md":
        return render_markdown(copy)
    if fmt == "html":
        return render_html(copy)
    raise InvalidInput(f"Format must be one of: {', '.join(FORMATS)}", field="format")


# --- Markdown ------------------------------------------------------------------------------

# A line that would start a heading, a list or a quote if left as typed.
_MARKDOWN_LINE_START = re.compile(r"^(#|[-+]\s|\d+[.)]\s)")


def _md_line(text: str) -> str:
    escaped = markdown_escaped(text)
    return _MARKDOWN_LINE_START.sub(lambda m: "\\" + m.group(0), escaped)


def render_markdown(copy: PlanCopy) -> str:
    """The copy as Markdown: it reads as plain text in an email too."""
    lines: list[str] = []
    for block in document(copy):
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + markdown_escaped(block.text), ""]
        elif isinstance(block, Text):
            for line in _lines(block.text):
                shown = _md_line(line)
                lines += [f"**{shown}**" if block.style == "notice" else shown, ""]
        else:
            for strong, rest in block.entries:
                lines.append("- " + _md_entry(strong, rest))
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_entry(strong: str, rest: str) -> str:
    if not strong:
        return markdown_escaped(rest)
    return f"**{markdown_escaped(strong)}** – {markdown_escaped(rest)}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- HTML ----------------------------------------------------------------------------------

# Large, plain type that prints well on A4; nothing is fetched from elsewhere.
_STYLE = """
body { font-family: Arial, Helvetica, sans-serif; font-size: 1.15rem; line-height: 1.5;
  color: #111; background: #fff; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.8rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.4rem; margin-top: 2rem; border-bottom: 2px solid #005eb8; }
h3 { font-size: 1.15rem; margin-top: 1.25rem; }
li { margin-bottom: 0.4rem; }
.notice { border-left: 6px solid #005eb8; padding: 0.5rem 1rem; background: #eef4fb;
  font-weight: bold; }
.quiet { font-size: 1rem; color: #333; }
@media print { body { margin: 0; max-width: none; font-size: 12pt; }
  h2 { break-after: avoid; } li { break-inside: avoid; } }
""".strip()


def render_html(copy: PlanCopy) -> str:
    """The copy as one self-contained, printable HTML page; every text is escaped."""
    body: list[str] = []
    for block in document(copy):
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Text):
            css = f' class="{block.style}"' if block.style else ""
            body += [f"<p{css}>{html.escape(line)}</p>" for line in _lines(block.text)]
        else:
            entries = (
                f"<li><strong>{html.escape(strong)}</strong> – {html.escape(rest)}</li>"
                if strong
                else f"<li>{html.escape(rest)}</li>"
                for strong, rest in block.entries
            )
            body.append("<ul>\n" + "\n".join(entries) + "\n</ul>")
    title = html.escape(f"Care and support plan for {copy.name}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
