"""What demo case notes say: short, plain, strengths-based, written for the person to read.

`{relative}` is the person's one family member or friend, the same in all their notes.

Each kind of contact has its own openings (the first line, which the timeline lists) and
every note may take a second line saying what happens next.
"""

from __future__ import annotations

# (kind, weight, (contact_with, weight) pairs): visits and phone calls are most of the work.
KINDS: tuple[tuple[str, int, tuple[tuple[str, int], ...]], ...] = (
    ("home_visit", 36, (("person", 80), ("carer", 20))),
    ("phone_call", 34, (("person", 40), ("carer", 35), ("professional", 25))),
    ("email", 10, (("professional", 65), ("carer", 35))),
    ("mdt_meeting", 8, (("professional", 100),)),
    ("letter", 6, (("person", 75), ("carer", 25))),
    ("office_visit", 4, (("person", 60), ("carer", 40))),
    ("other", 2, (("other", 100),)),
)

OPENINGS: dict[tuple[str, str], tuple[str, ...]] = {
    ("home_visit", "person"): (
        "Visited you at home. You showed me how you manage the stairs with the rail.",
        "Home visit. You told me you want to get back to doing your own shopping.",
        "Visited you at home to talk about what matters to you most.",
        "Visited you at home. You are making your own breakfast again, which you were proud of.",
        "Home visit to go through your support plan together; you agreed the goals.",
        "Visited you at home. You said mornings are the hardest part of the day.",
        "Home visit. We looked at the bathroom together and talked about a shower seat.",
        "Visited you at home. You are walking to the corner shop with your frame.",
    ),
    ("home_visit", "carer"): (
        "Visited you and your {relative} at home to talk about how the week has gone.",
        "Home visit with your {relative} there, who helps with meals and wants to keep doing so.",
        "Visited you at home with your {relative}, who would like a break now and then.",
        "Home visit with your neighbour, who calls in every day and knows your routine.",
    ),
    ("phone_call", "person"): (
        "Phoned you to see how the first week of support has gone.",
        "You rang to say the carers are arriving on time and you are happy with them.",
        "Phoned you to arrange a visit next week; you chose Tuesday morning.",
        "You rang to ask about help with the garden; I gave you the number for Age UK.",
        "Phoned you. You said you are sleeping better since the bed was moved downstairs.",
    ),
    ("phone_call", "carer"): (
        "Your {relative} rang to say you have settled well since coming home.",
        "Phoned your {relative} to agree a time for the review that suits you both.",
        "Your {relative} rang; they are managing well but would like a carer's assessment.",
        "Your {relative} rang to ask how they can help with your shopping.",
    ),
    ("phone_call", "professional"): (
        "Spoke to your GP about your new tablets; no change to your support needed.",
        "Spoke to the district nurse, who is visiting twice a week for your leg.",
        "Spoke to the occupational therapist about a perching stool for the kitchen.",
        "Spoke to the reablement team: you are doing more for yourself each week.",
        "Spoke to the ward about when you can come home; they expect Friday.",
    ),
    ("email", "professional"): (
        "Emailed the occupational therapist to ask for a bathroom assessment.",
        "Email from your GP surgery confirming your medication review is booked.",
        "Emailed the care agency with the times you asked for.",
        "Email from the housing officer about moving you to a ground-floor flat.",
    ),
    ("email", "carer"): (
        "Emailed your {relative} a copy of the support plan, as you asked.",
        "Email from your {relative} with the dates they are away, so we can plan cover.",
    ),
    ("mdt_meeting", "professional"): (
        "Talked about your support at the team meeting with the nurse and the therapist.",
        "Multi-disciplinary meeting: everyone agreed you are ready for fewer visits.",
        "Team meeting with your GP and the district nurse about your falls.",
        "Discussed your plan at the hospital discharge meeting; home with support on Monday.",
    ),
    ("letter", "person"): (
        "Wrote to you with the date and time of your review.",
        "Wrote to you with a copy of your assessment, as promised.",
        "Letter to you explaining how the financial assessment works.",
    ),
    ("letter", "carer"): (
        "Wrote to your {relative} with information about carers' support in the area.",
        "Letter to your {relative} about the carer's assessment they asked for.",
    ),
    ("office_visit", "person"): (
        "You called in at the office to drop off your bank statements.",
        "You came to the office to talk about day centres near you.",
    ),
    ("office_visit", "carer"): (
        "Your {relative} called in at the office to ask about respite care.",
        "Your {relative} came to the office with the forms for the blue badge.",
    ),
    ("other", "other"): (
        "Your key safe code was checked and works.",
        "Checked the equipment delivery: the hospital bed arrived on time.",
    ),
}

NEXT_STEPS = (
    "Next: I will visit again in two weeks.",
    "Next: I will ring you on Friday to see how it went.",
    "Next: I will ask the occupational therapist to call you.",
    "Next: review your support in six weeks.",
    "Next: send you a copy of your plan.",
    "Next: no change; you know how to reach me if anything changes.",
    "Next: look into a day centre place on Wednesdays, as you asked.",
)

SIGNIFICANT = (
    "You had a fall in the kitchen on Sunday; your {relative} helped you up. No injury.",
    "You were admitted to hospital with a chest infection.",
    "Your {relative} has gone into hospital, so you are at home alone for now.",
    "You told me you are worried about money; we agreed to ask for a benefits check.",
    "The carers found you confused this morning; the GP visited the same day.",
    "You have decided you no longer want evening calls; we respect your choice.",
)

SIGNIFICANT_NEXT = (
    "Next: I will ring you tomorrow to check you are all right.",
    "Next: I will visit this week to look at your support again.",
    "Next: told your GP; I will let you know what they say.",
)

# Written for the family, who may ask to read the record, rather than to the person.
DEATH_CALLS = (
    "Call from the family ({relative}): died peacefully at home this morning. Case closed.",
    "Call from the ward: died in hospital overnight, with family there. Case closed.",
    "Call from the GP surgery to tell us of the death this morning. Case closed.",
)

CORRECTIONS = (
    "Added: you asked for a copy of this note, which I have posted to you.",
    "Added: you have read this note and agree it is right.",
    "Added: you read this note and asked us to add that mornings suit you best.",
    "Correction: this contact was a day earlier than the date first typed; now put right.",
    "Added: we talked about this again at the team meeting; nothing changes for now.",
)

# The one family member or friend a person's notes speak of, chosen by the person's id.
RELATIVES = ("daughter", "son", "partner", "niece", "neighbour", "sister", "brother", "friend")
