"""The words the demo data is made of: names, referral reasons and the text of case records.

Everything here is invented for demonstration. Lists are tuples so a seeded
`random.Random` picks the same entries on every run.
"""

from __future__ import annotations

# Manchester is diverse: long-settled Lancashire and Irish families, and South Asian,
# African, Caribbean, Chinese and Eastern European communities.
FEMALE_NAMES = (
    "Margaret", "Patricia", "Barbara", "Jean", "Joan", "Dorothy", "Irene", "Eileen",
    "Sheila", "Maureen", "Brenda", "Pauline", "Susan", "Christine", "Linda", "Janet",
    "Elaine", "Sandra", "Carol", "Anne", "Mary", "Kathleen", "Bridget", "Teresa",
    "Sarah", "Emma", "Claire", "Nicola", "Amina", "Fatima", "Nasreen", "Shazia",
    "Parveen", "Rukhsana", "Zainab", "Aisha", "Hawa", "Chioma", "Grace", "Blessing",
    "Sunita", "Priya", "Mei", "Agnieszka", "Magdalena", "Siobhan", "Yvonne", "Marcia",
    "Beverley", "Hyacinth", "Lorraine", "Gillian", "Hilda", "Edna", "Vera", "Olive",
)  # fmt: skip
MALE_NAMES = (
    "John", "David", "Michael", "Peter", "Brian", "Alan", "Kenneth", "Ronald",
    "Derek", "Keith", "Terence", "Bernard", "Frank", "George", "William", "James",
    "Thomas", "Patrick", "Sean", "Gary", "Paul", "Mark", "Stephen", "Anthony",
    "Daniel", "Mohammed", "Muhammad", "Abdul", "Tariq", "Imran", "Asif", "Zahid",
    "Kwame", "Emeka", "Chinedu", "Tunde", "Winston", "Delroy", "Errol", "Rajesh",
    "Sanjay", "Wei", "Piotr", "Tomasz", "Declan", "Liam", "Ahmed", "Yusuf",
    "Hassan", "Osman", "Arthur", "Harold", "Stanley", "Leslie", "Dennis", "Raymond",
)  # fmt: skip
FAMILY_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Wood", "Jackson", "Clarke", "Kelly", "Murphy", "O'Brien", "Byrne",
    "Doyle", "Walsh", "McDonald", "Campbell", "Hughes", "Edwards", "Holt", "Ashworth",
    "Kershaw", "Lomax", "Whitworth", "Hargreaves", "Greenhalgh", "Butterworth", "Khan",
    "Hussain", "Ahmed", "Ali", "Akhtar", "Begum", "Iqbal", "Rahman", "Shah", "Mahmood",
    "Patel", "Singh", "Kaur", "Sharma", "Okafor", "Adeyemi", "Mensah", "Osei",
    "Francis", "Bennett", "Chen", "Wong", "Li", "Nowak", "Kowalski", "Mohamed",
    "Abdi", "Farah", "Warsame", "Grant", "Morgan", "Lewis", "Barker", "Fletcher",
)  # fmt: skip

# Outward codes roughly covering each team's neighbourhood.
TEAM_POSTCODE_DISTRICTS: dict[str, tuple[str, ...]] = {
    "N1": ("M8",),
    "N2": ("M9",),
    "N3": ("M9", "M40"),
    "N4": ("M40", "M11"),
    "C1": ("M21", "M16", "M14"),
    "C2": ("M18", "M19", "M12"),
    "C3": ("M12", "M13"),
    "C4": ("M14", "M15", "M16"),
    "S1": ("M22",),
    "S2": ("M23",),
    "S3": ("M22", "M20"),
    "S4": ("M20", "M19"),
}
# Letters used in the inward part of a UK postcode (no C, I, K, M, O or V).
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Synthetic practices for the teams the Central Manchester report does not cover.
SYNTHETIC_PRACTICE_NAMES: dict[str, tuple[str, ...]] = {
    "N1": ("Cheetham Hill Health Centre", "Crumpsall Vale Practice", "Waterloo Road Surgery"),
    "N2": ("Blackley Village Practice", "Charlestown Family Doctors", "Rochdale Road Surgery"),
    "N3": ("Harpurhey Health Centre", "Moston Lane Practice", "Moston Vale Surgery"),
    "N4": (
        "Newton Heath Family Practice",
        "Miles Platting Medical Centre",
        "Clayton Brook Surgery",
    ),
    "S1": ("Sharston Health Centre", "Woodhouse Park Family Practice", "Poundswick Surgery"),
    "S2": ("Baguley Medical Centre", "Brooklands Road Surgery", "Hollyhedge Practice"),
    "S3": ("Northenden Health Centre", "Palatine Road Surgery", "Kingsway Family Practice"),
    "S4": ("Didsbury Village Practice", "Withington Health Centre", "Burnage Lane Surgery"),
}

# Each referral kind: (weight, source, route of access, priority, reasons,
# reablement multiplier, weights over `NON_REABLEMENT_PATHWAYS`).
NON_REABLEMENT_PATHWAYS = (
    "case_management",
    "intermediate_care",
    "crisis_response",
    "high_impact_primary_care",
    "early_help",
    "community_links",
    "information_advice",
    "no_further_action",
)
DISCHARGE_REASONS = (
    "Discharge from MRI ward 4, needs support with personal care",
    "Discharge from Wythenshawe Hospital after hip fracture, lives alone",
    "Discharge from North Manchester General after chest infection, weak and unsteady",
    "Discharge from MRI after stroke, needs help with washing and dressing",
    "Discharge home after knee replacement, stairs a problem",
    "Discharge from ward 12 after fall, family cannot visit daily",
    "Discharge after heart failure admission, needs medication prompts",
    "Discharge from Wythenshawe after UTI and delirium, confusion settling",
)
MEDICALLY_OPTIMISED_REASONS = (
    "Medically optimised for transfer, ward 5, needs package of care to go home",
    "Medically optimised, awaiting home assessment before discharge",
    "Medically optimised for transfer, trusted assessment done, needs reablement",
    "Ready for discharge, needs bed downstairs and commode",
)
FALLS_REASONS = (
    "Fall at home, lives alone",
    "Found on the floor by neighbour, no injury, third fall this year",
    "Fall in the garden, bruising, frightened to go out",
    "Fall on stairs, conveyed to A&E and sent home",
    "Repeated falls at night, getting up to the toilet",
)
ALARM_REASONS = (
    "Pendant alarm pressed, unable to get up, needs urgent response",
    "Community alarm call, carer unwell and unable to help",
    "Alarm activation overnight, confused and distressed",
)
A_AND_E_REASONS = (
    "Seen in A&E after a fall, sent home, needs support tonight",
    "A&E attendance with chest pain, discharged, lives alone and anxious",
    "Frequent A&E attender, struggling at home",
)
GP_REASONS = (
    "Increasing frailty, struggling with stairs",
    "Memory problems getting worse, family worried",
    "Poorly controlled diabetes, missing appointments",
    "Low mood and isolation since bereavement",
    "Weight loss, not eating well",
    "COPD, breathless on exertion, cannot manage shopping",
    "Parkinson's progressing, needs OT assessment",
    "Heart failure, swollen legs, struggling to wash",
)
GP_URGENT_REASONS = (
    "Rapid deterioration, GP requests same-day home visit",
    "Carer admitted to hospital, cared-for person alone at home",
    "End of life, family need support at home today",
)
DISTRICT_NURSE_REASONS = (
    "Pressure area care, needs equipment",
    "Leg ulcer dressings, struggling with self-care",
    "Catheter care, carer finding it hard to cope",
    "Insulin twice daily, needs support with meals",
)
SELF_REASONS = (
    "Wants help to get out and about",
    "Finding it hard to manage the bath",
    "Asking about a stair lift",
    "Lonely since moving flat, would like company",
)
FAMILY_REASONS = (
    "Daughter can no longer manage caring alone",
    "Son worried mum is not eating",
    "Wife struggling to help husband with personal care",
    "Family concerned about wandering at night",
)
HOUSING_REASONS = (
    "Home in poor repair, hoarding concerns",
    "Needs adaptations: stair lift and level-access shower",
    "Rent arrears and self-neglect, housing officer worried",
)
VOLUNTARY_REASONS = (
    "Lonely, not eating well, referred by befriending service",
    "Food bank referral, struggling to cook",
    "Age UK visit found home cold and damp",
)
OTHER_REASONS = (
    "Police welfare check, concerns about self-neglect",
    "Pharmacist concerned about missed medication",
    "Fire service home visit, smoking in bed",
)
CARER_REASONS = (
    "Carer's assessment requested, caring for husband with dementia",
    "Carer exhausted, wants a break",
    "Caring for son with learning disability, own health getting worse",
    "Carer's assessment: looks after mother, working full time",
)
SELF_FUNDER_REASONS = (
    "Pays for own home care, savings nearly down to the threshold",
    "Self-funding care home resident asks for an assessment",
    "Family arranging private care, want advice and an assessment",
)
TRANSFER_REASONS = (
    "Moved from Stockport to be near daughter, care package to continue",
    "Transfer from Salford: existing package, needs review",
    "Moved from Trafford, ordinary residence agreed",
)
TRANSITION_REASONS = (
    "Transition from children's services at 18: learning disability, adult assessment",
    "Turning 18, EHC plan ending, continuing care needs",
    "Moving from children's to adult services, physical disability",
)
PRISON_REASONS = (
    "Release from HMP Manchester next week, needs help with personal care",
    "Leaving prison, no settled address, mobility needs",
    "Probation: released on licence, struggling to manage at home",
)
AFTER_REABLEMENT_REASONS = (
    "Reablement ended: needs a long-term home care package",
    "End of reablement, still needs help with personal care",
    "Reablement team: ongoing support needed with meals and medication",
)
REFERRAL_KINDS: tuple[tuple[int, str, str, str, tuple[str, ...], float, tuple[int, ...]], ...] = (
    (16, "hospital_discharge", "discharge_from_hospital", "discharge_or_falls",
     DISCHARGE_REASONS, 3.0, (50, 20, 0, 3, 2, 3, 10, 5)),
    (4, "hospital_discharge", "discharge_from_hospital", "medically_optimised",
     MEDICALLY_OPTIMISED_REASONS, 3.0, (55, 25, 0, 2, 0, 2, 6, 3)),
    (6, "ambulance", "diversion_from_hospital", "discharge_or_falls",
     FALLS_REASONS, 2.0, (40, 10, 10, 5, 8, 5, 12, 6)),
    (3, "community_alarm", "diversion_from_hospital", "discharge_or_falls",
     FALLS_REASONS, 2.0, (40, 10, 10, 5, 8, 5, 12, 6)),
    (3, "community_alarm", "diversion_from_hospital", "urgent",
     ALARM_REASONS, 1.0, (30, 10, 35, 5, 3, 2, 10, 5)),
    (4, "a_and_e", "diversion_from_hospital", "urgent",
     A_AND_E_REASONS, 1.0, (35, 15, 30, 5, 3, 2, 6, 4)),
    (16, "gp", "community_other", "soon",
     GP_REASONS, 0.4, (45, 3, 2, 10, 12, 10, 12, 6)),
    (10, "gp", "community_other", "routine",
     GP_REASONS, 0.2, (40, 2, 0, 8, 15, 14, 14, 7)),
    (3, "gp", "community_other", "urgent",
     GP_URGENT_REASONS, 0.5, (35, 10, 40, 10, 0, 0, 3, 2)),
    (8, "district_nurse", "community_other", "soon",
     DISTRICT_NURSE_REASONS, 0.5, (50, 12, 3, 5, 5, 5, 12, 8)),
    (6, "self", "community_other", "routine",
     SELF_REASONS, 0.2, (25, 0, 0, 0, 20, 20, 25, 10)),
    (9, "family_or_carer", "community_other", "soon",
     FAMILY_REASONS, 0.4, (50, 3, 2, 5, 10, 8, 15, 7)),
    (4, "housing", "community_other", "routine",
     HOUSING_REASONS, 0.2, (30, 0, 0, 0, 20, 10, 28, 12)),
    (4, "voluntary_sector", "community_other", "routine",
     VOLUNTARY_REASONS, 0.2, (20, 0, 0, 0, 25, 30, 18, 7)),
    (3, "other", "community_other", "soon",
     OTHER_REASONS, 0.3, (45, 0, 5, 5, 10, 5, 20, 10)),
    (2, "self", "self_funder", "routine",
     SELF_FUNDER_REASONS, 0.2, (40, 0, 0, 0, 10, 10, 30, 10)),
    (1, "family_or_carer", "self_funder", "routine",
     SELF_FUNDER_REASONS, 0.2, (40, 0, 0, 0, 10, 10, 30, 10)),
    (2, "other", "transfer_from_other_la", "soon",
     TRANSFER_REASONS, 0.3, (75, 5, 0, 5, 5, 3, 5, 2)),
)  # fmt: skip
# Kinds that only some people's referrals take (see `cases.CaseMaker._kind`): a young
# person moving to adult services, someone leaving prison, and a request for ongoing
# support when reablement ends.
TRANSITION_KIND = (1, "other", "planned_entry", "routine",
                   TRANSITION_REASONS, 0.0, (80, 0, 0, 5, 5, 5, 4, 1))  # fmt: skip
PRISON_KIND = (1, "other", "from_prison", "soon",
               PRISON_REASONS, 0.0, (60, 5, 0, 5, 10, 10, 8, 2))  # fmt: skip
AFTER_REABLEMENT_KIND = (1, "other", "discharge_from_reablement", "soon",
                         AFTER_REABLEMENT_REASONS, 0.0, (85, 3, 0, 4, 0, 3, 4, 1))  # fmt: skip
CARER_KINDS: tuple[tuple[int, str, str, str, tuple[str, ...], float, tuple[int, ...]], ...] = (
    (3, "self", "community_other", "routine",
     CARER_REASONS, 0.0, (60, 0, 0, 0, 15, 10, 12, 3)),
    (1, "gp", "community_other", "soon",
     CARER_REASONS, 0.0, (60, 0, 5, 0, 10, 10, 12, 3)),
)  # fmt: skip

TRIAGE_NOTES: dict[str, tuple[str, ...]] = {
    "case_management": (
        "Needs a lead worker and a full assessment",
        "Complex needs across health and care: allocate for case management",
        "Known to district nurses; social worker to lead",
    ),
    "reablement_standard": (
        "Good potential to regain independence: start reablement",
        "Reablement for six weeks, review at day 35",
    ),
    "reablement_complex": (
        "Complex reablement: stroke rehab with OT input",
        "Complex reablement, may need longer than six weeks",
    ),
    "intermediate_care": ("Step-up intermediate care bed arranged", "Intermediate care at home"),
    "crisis_response": ("Crisis response within 2 hours", "Urgent response team to visit today"),
    "high_impact_primary_care": ("Refer to High Impact Primary Care GP team",),
    "early_help": ("Early help: wellbeing officer to contact", "Early help offer accepted"),
    "community_links": (
        "Community Links for Health: social prescribing",
        "Linked to befriending and lunch club",
    ),
    "information_advice": (
        "Signposted to Age UK Manchester",
        "Information on equipment and the handyperson scheme sent",
        "Advice given about Attendance Allowance",
    ),
    "no_further_action": (
        "Needs already met by current package",
        "Person declined contact",
        "Duplicate of a referral already being worked",
    ),
}

CLOSE_REASONS: dict[str, tuple[str, ...]] = {
    "goals_met": (
        "Goals met; managing independently",
        "Equipment in place, no further needs",
        "Plan reviewed and goals achieved",
    ),
    "long_term_support": (
        "Transferred to long-term home care package",
        "Moved to residential care",
        "Long-term support arranged with provider",
    ),
    "nfa_nhs_funded_care": ("Continuing healthcare funding agreed",),
    "nfa_support_declined": ("Declined further support", "Declined service after first visit"),
    "nfa_moved_to_another_la": ("Moved out of Manchester",),
    "nfa_deceased": ("Died",),
    "other": (
        "Admitted to hospital long term",
        "Closed after three failed contact attempts",
        "Transferred to community mental health team",
    ),
}
CLOSED_BEFORE_ALLOCATION = ("nfa_support_declined", "nfa_moved_to_another_la", "other")
CLOSE_OUTCOMES = ("goals_met", "long_term_support", "other", "nfa_support_declined")
CLOSE_OUTCOME_WEIGHTS = (50, 25, 10, 7)
# Reablement outcome -> the case outcome recorded when the referral closes.
REABLEMENT_OUTCOMES = (
    "no_ongoing_support",
    "ongoing_low_level_support",
    "long_term_support_community",
    "long_term_support_residential",
    "early_cessation_hospital",
    "early_cessation_nhs_funded",
    "early_cessation_declined",
)
REABLEMENT_OUTCOME_WEIGHTS = (45, 20, 15, 4, 9, 2, 5)
REABLEMENT_CASE_OUTCOME = {
    "no_ongoing_support": "goals_met",
    "ongoing_low_level_support": "goals_met",
    "long_term_support_community": "long_term_support",
    "long_term_support_residential": "long_term_support",
    "early_cessation_hospital": "other",
    "early_cessation_nhs_funded": "nfa_nhs_funded_care",
    "early_cessation_declined": "nfa_support_declined",
    "early_cessation_deceased": "nfa_deceased",
}
REABLEMENT_GOALS = (
    "Make a hot drink and a snack on my own",
    "Get washed and dressed without help",
    "Walk to the corner shop with my stick",
    "Manage the stairs at home",
    "Get in and out of the bath safely",
    "Take my tablets at the right times",
    "Get back to church on Sundays",
    "Cook a simple meal for myself",
)
EXTENSION_REASONS = (
    "Slower progress after a chest infection; two more weeks agreed",
    "Waiting for a stair lift to be fitted",
    "Complex stroke rehab: OT recommends continuing",
    "Home care provider not available until next week",
)

ALLOCATION_END_REASONS = (
    "Reallocated: worker left the team",
    "Reallocated to balance caseloads",
    "Reallocated: needs OT lead",
    "Reallocated after a complaint, at the person's request",
)
OVER_LIMIT_REASONS = (
    "Knows the family well; agreed with team lead for four weeks",
    "Short-term cover while a colleague is off sick",
    "Urgent hospital discharge, nobody else free today",
    "Agreed in supervision: two cases closing this week",
)

WHAT_MATTERS = (
    "Staying in my own home with my cat",
    "Seeing my grandchildren every week",
    "Getting back to the allotment",
    "Going to the mosque on Fridays",
    "Being able to look after myself without bothering my daughter",
    "Not going into a home",
    "Getting to the shops and the library on my own",
    "Keeping in touch with my friends from the social club",
    "Cooking my own food, the way I like it",
    "Feeling safe at night",
)
STRENGTHS = (
    "Determined and knows what she wants",
    "Good sense of humour, keen to try",
    "Manages own money and medication",
    "Was a nurse for thirty years; understands the condition",
    "Walks with a frame indoors, confident on the flat",
    "Good at asking for help when needed",
    "Uses a tablet to video-call family",
)
ASSETS = (
    "Daughter visits daily after work",
    "Neighbour does the shopping on Thursdays",
    "Goes to the lunch club at the community centre",
    "Church friends visit every week",
    "Son lives nearby and helps with paperwork",
    "Member of the local allotment society",
    "Befriender from Age UK calls weekly",
    "Husband is the main carer",
)
RISKS = (
    "Falls risk at night",
    "Risk of self-neglect if alone for long",
    "Forgets to eat when low in mood",
    "Carer at risk of breakdown",
    "Smokes indoors; fire service visit arranged",
    "",
)
OUTCOME_REASONS = {
    "with_support": (
        "Manages with prompting from family",
        "Can do it, but only with help from a carer",
        "Needs equipment to do this safely",
    ),
    "unable": (
        "Cannot do this without assistance",
        "Can, but only with significant pain",
        "Can, but it puts safety at risk",
        "Takes significantly longer than normal",
    ),
    "achievable": ("Manages independently", "No difficulty reported"),
}
OUTCOME_IMPACTS = {
    "with_support": ("Some impact on confidence", "Relies on family more than they want"),
    "unable": (
        "Significant impact on dignity and wellbeing",
        "Becoming isolated",
        "Risk of injury and hospital admission",
    ),
    "achievable": ("No impact on wellbeing",),
}
# Outcomes people most often need help with come first, so they are picked more often.
OUTCOME_LIKELIHOOD = {
    "personal_hygiene": 5,
    "home_safety": 5,
    "nutrition": 4,
    "clothing": 4,
    "toilet_needs": 3,
    "community_services": 4,
    "habitable_home": 3,
    "relationships": 2,
    "work_education": 1,
    "caring_for_child": 0,
    "caring_for_others": 5,
    "recreation": 4,
}

PLAN_GOALS = (
    "I want to get to the shops on my own again",
    "I want to stay in my own home",
    "I want to have a bath without being frightened of falling",
    "I want to see my friends at the lunch club",
    "I want my daughter to be my daughter again, not my carer",
    "I want to sleep through the night without worrying",
    "I want to cook my own tea",
    "I want to walk to the park with my grandson",
    "I want to go back to the mosque",
    "I want to manage my tablets myself",
)
PLAN_ACTIONS = (
    ("occupational therapist", "Assess for bath board and grab rails"),
    ("district nurse", "Weekly check of pressure areas"),
    ("social worker", "Arrange carer's assessment for daughter"),
    ("community connector", "Introduce to the Tuesday lunch club"),
    ("pharmacist", "Set up blister pack and review medicines"),
    ("reablement officer", "Practise making a meal twice a week"),
    ("person", "Try the new walking frame to the end of the road"),
    ("family", "Daughter to set up online shopping"),
    ("GP", "Review pain relief"),
)
PLAN_ITEMS = (
    ("equipment", "Perching stool", 35),
    ("equipment", "Raised toilet seat and frame", 48),
    ("equipment", "Key safe", 60),
    ("adaptation", "Grab rails at front door", 85),
    ("adaptation", "Level-access shower", 4500),
    ("adaptation", "Stair lift", 2800),
    ("small_package", "Four weeks of morning calls", 620),
    ("small_package", "Sitting service so carer can attend appointments", 240),
)
PLAN_CHANGE_NOTES = (
    "Review: goals updated after OT visit",
    "Review with the person and their daughter",
    "Equipment delivered; actions updated",
    "Review after hospital stay",
)
