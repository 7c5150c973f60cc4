"""Staff roles, least-privilege grants and row-level security; signed-off assessments kept

On PostgreSQL (a team or a city server) every member of staff connects as their own
login, which holds one of four group roles. This migration:
- creates the group roles if the cluster does not have them yet (other databases on the
  cluster may share them, so they are never dropped);
- grants each role only the tables and verbs its work needs: no DDL, no TRUNCATE, and
  nobody but the owner may UPDATE or DELETE an audit event or an import batch;
- stamps the signed-in login (`session_user`) on every audit event, import batch, case
  note and addendum, and on an assessment's sign-off, so no client can write a name;
- turns on row-level security for every table that identifies a person, so a login sees
  and changes only the people in its scope (see `SCOPE` below);
- adds `intapp_sign_in()` and `intapp_break_glass()`, which run as the owner.

Row-level security is ENABLEd, not FORCEd: the owner that runs migrations, imports from
scripts and backups is not filtered. The owner is for administration, never daily work.

On both databases: a signed-off (or superseded) assessment is never changed or removed.
The two changes allowed are the sign-off of its successor marking it superseded, and a
merge moving it, unchanged otherwise, to the record its person was merged into.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_WORKER = "intapp_key_worker"
COORDINATOR = "intapp_coordinator"
SUPERVISOR = "intapp_supervisor"
ADMIN = "intapp_admin"
ROLES = (KEY_WORKER, COORDINATOR, SUPERVISOR, ADMIN)
CASEWORK = (KEY_WORKER, COORDINATOR, SUPERVISOR)
LEADS = (COORDINATOR, SUPERVISOR)

# Every role reads every table it is granted; the writes are the flows in services/.
# Admins import (people, referrals, workers, carer links) and manage staff, but do no
# casework; supervisors merge (which moves rows of every person table, notes included).
GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "alembic_version": {"SELECT": ROLES},
    "locality": {"SELECT": ROLES, "INSERT": (ADMIN,), "UPDATE": (ADMIN,)},
    "team": {"SELECT": ROLES, "INSERT": (ADMIN,), "UPDATE": (ADMIN,)},
    "gp_practice": {"SELECT": ROLES, "INSERT": (ADMIN,), "UPDATE": (ADMIN,)},
    "worker": {"SELECT": ROLES, "INSERT": (ADMIN,), "UPDATE": (*LEADS, ADMIN)},
    "worker_absence": {"SELECT": ROLES, "INSERT": LEADS, "UPDATE": LEADS},
    "staff_login": {"SELECT": ROLES, "INSERT": (ADMIN,), "UPDATE": (ADMIN,)},
    "staff_team": {"SELECT": ROLES, "INSERT": (ADMIN,), "DELETE": (ADMIN,)},
    "access_policy": {"SELECT": ROLES, "UPDATE": (ADMIN,)},
    "import_batch": {"SELECT": (SUPERVISOR, ADMIN), "INSERT": (ADMIN,)},
    "audit_event": {"SELECT": ROLES, "INSERT": ROLES},
    "break_glass": {"SELECT": ROLES},  # granted only through intapp_break_glass()
    "person": {"SELECT": ROLES, "INSERT": (*LEADS, ADMIN), "UPDATE": (*CASEWORK, ADMIN)},
    "referral": {"SELECT": ROLES, "INSERT": (*LEADS, ADMIN), "UPDATE": (*LEADS, ADMIN)},
    "allocation": {"SELECT": ROLES, "INSERT": LEADS, "UPDATE": LEADS},
    "transfer": {"SELECT": ROLES, "INSERT": LEADS, "UPDATE": LEADS},
    "assessment": {"SELECT": ROLES, "INSERT": CASEWORK, "UPDATE": CASEWORK, "DELETE": CASEWORK},
    "care_plan": {"SELECT": ROLES, "INSERT": CASEWORK, "UPDATE": CASEWORK},
    "care_plan_version": {"SELECT": ROLES, "INSERT": CASEWORK},
    # A plan version's actions are rebuilt (deleted and inserted) on every save.
    "plan_action": {"SELECT": ROLES, "INSERT": CASEWORK, "UPDATE": CASEWORK, "DELETE": CASEWORK},
    "reablement_episode": {"SELECT": ROLES, "INSERT": CASEWORK, "UPDATE": CASEWORK},
    "case_note": {"SELECT": ROLES, "INSERT": CASEWORK, "UPDATE": (SUPERVISOR,)},
    "case_note_addendum": {"SELECT": ROLES, "INSERT": CASEWORK},
    "person_alert": {"SELECT": ROLES, "INSERT": CASEWORK, "UPDATE": CASEWORK},
    "carer_link": {"SELECT": ROLES, "INSERT": (*CASEWORK, ADMIN), "UPDATE": CASEWORK},
}

OPEN_REFERRAL = "('received', 'triaged', 'allocated', 'transfer')"
ALL = "(SELECT intapp_scope_all())"
TEAMS = "(SELECT intapp_scope_teams())::int[]"  # cast: ANY (array), not ANY (subquery)


def _visible(table: str, column: str) -> str:
    """Whether the row `column` points at is visible: the table's own policy applies
    inside, so each scope is written once. A scalar subquery, so each row is one index
    probe; an EXISTS here would be planned as a hash of every visible row, built first."""
    return f"COALESCE((SELECT true FROM {table} v WHERE v.id = {column}), false)"


def _person_visible(column: str) -> str:
    return _visible("person", column)


# Who each person table shows to a staff login. A person is in scope when their team is
# one of the login's (`intapp_scope_teams`, read once per query), or else when
# `intapp_reachable` finds an open referral to one of those teams, a case the login's
# worker holds, or an unexpired break-glass grant. That second test runs only for rows
# outside the login's teams, one indexed probe each: a screen meets a handful of them,
# where a list of every such person built for each query cost a supervisor 20-40 ms on
# a 200,000-person city. (A scan of every person outside the login's teams pays it on
# each row, which no screen does.) A disabled login's scope is empty. Everything else
# follows the person it belongs to.
SCOPE: dict[str, str] = {
    "person": f"{ALL} OR team_id = ANY ({TEAMS}) OR intapp_reachable(id)",
    "referral": f"{ALL} OR team_id = ANY ({TEAMS}) OR {_person_visible('referral.person_id')}",
    # A case held by a worker of the login's teams is the team's business (the board
    # counts it), so it shows without the person check; the person stays hidden.
    "allocation": (
        f"{ALL} OR worker_id = ANY ((SELECT intapp_scope_workers())::int[]) "
        f"OR {_person_visible('allocation.person_id')}"
    ),
    "transfer": (
        f"{ALL} OR from_team_id = ANY ({TEAMS}) OR to_team_id = ANY ({TEAMS}) "
        f"OR {_visible('referral', 'transfer.referral_id')}"
    ),
    "assessment": f"{ALL} OR {_person_visible('assessment.person_id')}",
    "care_plan": f"{ALL} OR {_person_visible('care_plan.person_id')}",
    "care_plan_version": (f"{ALL} OR {_visible('care_plan', 'care_plan_version.plan_id')}"),
    "plan_action": f"{ALL} OR {_visible('care_plan', 'plan_action.plan_id')}",
    "reablement_episode": f"{ALL} OR {_person_visible('reablement_episode.person_id')}",
    "case_note": f"{ALL} OR {_person_visible('case_note.person_id')}",
    "case_note_addendum": (f"{ALL} OR {_visible('case_note', 'case_note_addendum.note_id')}"),
    "carer_link": (
        f"{ALL} OR {_person_visible('carer_link.carer_id')} "
        f"OR {_person_visible('carer_link.cared_for_id')}"
    ),
    "person_alert": f"{ALL} OR {_person_visible('person_alert.person_id')}",
}
# Read-only to staff: their own rows, and supervisors (and admins) those in their scope.
READ_ONLY_SCOPE: dict[str, str] = {
    # A supervisor reviews their own staff's openings too, wherever the person lives.
    "break_glass": (
        "login = session_user::text OR ((SELECT intapp_scope_role()) IN ('supervisor', 'admin') "
        f"AND ({ALL} OR {_person_visible('break_glass.person_id')} "
        f"OR login IN (SELECT m.login FROM staff_team m WHERE m.team_id = ANY ({TEAMS}))))"
    ),
    # Everyone sees what they did, and what was done to the people in their scope;
    # supervisors also see events that concern no one person (staff, teams, imports).
    "audit_event": (
        f'"user" = session_user::text OR {ALL} '
        f"OR (person_id IS NOT NULL AND {_person_visible('audit_event.person_id')}) "
        "OR (person_id IS NULL AND (SELECT intapp_scope_role()) = 'supervisor') "
        # A supervisor reviews their own staff's activity too, wherever the person lives.
        "OR ((SELECT intapp_scope_role()) = 'supervisor' "
        f'AND "user" IN (SELECT m.login FROM staff_team m WHERE m.team_id = ANY ({TEAMS})))'
    ),
    # A login sees its own row; supervisors and admins see every login (access review).
    "staff_login": (
        "login = session_user::text OR (SELECT intapp_scope_role()) IN ('supervisor', 'admin')"
    ),
}
PERSON_TABLES = (*SCOPE, *READ_ONLY_SCOPE)
# A new or changed row may point only at a person already in the login's scope: an open
# referral brings its person into scope (`intapp_reachable`), so one made for anyone
# would read anyone. Someone recorded elsewhere is opened with break-glass instead.
WRITE_CHECK: dict[str, str] = {
    "referral": _person_visible("referral.person_id"),
    # A case held by one's worker puts its person in scope too.
    "allocation": _person_visible("allocation.person_id"),
    # A team that returns a transfer records it after the person has left its scope.
    "audit_event": (
        f"person_id IS NULL OR {_person_visible('audit_event.person_id')} "
        "OR intapp_transferred(person_id)"
    ),
}

# Columns that name who wrote a row, and the trigger that fills each from the login.
STAMPS = (
    ("audit_event", "user", "INSERT"),
    ("import_batch", "user", "INSERT"),
    ("case_note", "author", "INSERT"),
    ("case_note_addendum", "author", "INSERT"),
    ("assessment", "signed_off_by", "INSERT OR UPDATE OF signed_off_by"),
)
SCOPE_FUNCTIONS = (
    "intapp_transferred(int)",
    "intapp_reachable(int)",
    "intapp_scope_workers()",
    "intapp_scope_teams()",
    "intapp_scope_role()",
    "intapp_scope_all()",
)
FUNCTIONS = (
    "intapp_sign_in()",
    "intapp_break_glass(text, text)",
    *SCOPE_FUNCTIONS,
    "intapp_stamp_user()",
    "intapp_stamp_author()",
    "intapp_stamp_signed_off_by()",
    "assessment_signed_off_kept()",
    "intapp_staff_times()",
    "intapp_merge_by_supervisor()",
    "intapp_staff_audit()",
)
# Who may do what the owner does unchecked: the table owner (or a member of it).
TRUSTED = (
    "pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')"
)
# Times a client must not choose: stamped from the server's clock for staff.
TIMES = (
    ("audit_event", "INSERT"),
    ("case_note", "INSERT"),
    ("case_note_addendum", "INSERT"),
    ("assessment", "INSERT OR UPDATE OF signed_off_by"),
)

# A signed-off assessment: every column but these stays as it is.
SIGNED = "('signed_off', 'superseded')"
ASSESSMENT_KEPT = (
    "id",
    "referral_id",
    "assessment_type",
    "what_matters",
    "strengths",
    "family_community_assets",
    "outcomes",
    "risks",
    "needs_arise_from_condition",
    "significant_wellbeing_impact",
    "carer_health_at_risk",
    "eligible",
    "assessor_id",
    "created_by",
    "created_at",
    "signed_off_by",
    "signed_off_at",
    "supersedes_id",
)
# (`IS`: NULLs compare as values; see 0012.)
MERGE_MOVE = (
    "NEW.status IS OLD.status AND "
    "NEW.person_id IS (SELECT merged_into_id FROM person WHERE id = OLD.person_id)"
)
SUPERSEDE = (
    "NEW.person_id IS OLD.person_id AND OLD.status = 'signed_off' AND NEW.status = 'superseded' "
    "AND EXISTS (SELECT 1 FROM assessment s WHERE s.supersedes_id = OLD.id)"
)
SHORTEST_REASON = 10  # as services/break_glass.py
LONGEST_REASON = 1000
REFUSED = "a signed-off assessment is never changed or removed: supersede it with a new one"


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        _postgresql_guard()
        _roles_and_grants()
        _scope_functions()
        _policies()
        _stamps()
        _sign_in_and_break_glass()
        _staff_guards()
        _staff_audit()
        _fixed_search_paths()
    else:
        _sqlite_guard()


def downgrade() -> None:
    """Remove what upgrade made in this database; the group roles stay (the cluster's)."""
    if op.get_context().dialect.name != "postgresql":
        for name in ("no_update", "no_delete", "no_replace"):
            op.execute(f"DROP TRIGGER assessment_signed_off_{name}")
        return
    for table in PERSON_TABLES:
        for verb in ("select", "insert", "update", "delete"):
            op.execute(f"DROP POLICY IF EXISTS intapp_{verb} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for function in _unfixed_before_0018():
        op.execute(f"ALTER FUNCTION {function} RESET search_path")
    for table, column, _ in STAMPS:
        op.execute(f"DROP TRIGGER intapp_stamp_{column} ON {table}")
    for table, _ in TIMES:
        op.execute(f"DROP TRIGGER intapp_staff_times ON {table}")
    op.execute("DROP TRIGGER intapp_merge_by_supervisor ON person")
    for table in ("staff_login", "staff_team"):
        op.execute(f"DROP TRIGGER intapp_staff_audit ON {table}")
    op.execute("DROP TRIGGER assessment_signed_off_kept ON assessment")
    roles = ", ".join(ROLES)
    for table in GRANTS:
        op.execute(f"REVOKE ALL ON {table} FROM {roles}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {_schema()} FROM {roles}")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")


def _schema() -> str:
    return str(op.get_bind().execute(sa.text("SELECT quote_ident(current_schema())")).scalar())


def _definer(body: str) -> str:
    """A function that runs as its owner, on a search path nobody else can add to."""
    return f"SECURITY DEFINER SET search_path = pg_catalog, {_schema()}, pg_temp AS $$ {body} $$"


def create_group_role(role: str) -> str:
    """SQL creating a NOLOGIN role unless the cluster has it.

    Several databases on one cluster (parallel test runs) may race to create it: the
    loser's CREATE fails with one of these two errors, and the role is there either way.
    """
    return (
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"BEGIN CREATE ROLE {role} NOLOGIN; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; "
        "END IF; END $$"
    )


def _roles_and_grants() -> None:
    for role in ROLES:
        op.execute(create_group_role(role))
    schema = _schema()
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {', '.join(ROLES)}")
    for table, grants in GRANTS.items():
        for verb, roles in grants.items():
            op.execute(f"GRANT {verb} ON {table} TO {', '.join(roles)}")
        adders = grants.get("INSERT", ())
        if not adders or "id" not in _columns(table):
            continue
        sequence = op.get_bind().execute(
            sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f"{schema}.{table}"}
        )
        if name := sequence.scalar():
            op.execute(f"GRANT USAGE ON SEQUENCE {name} TO {', '.join(adders)}")
    # A backup (pg_dump) reads where each sequence stands.
    op.execute(f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {ADMIN}")


def _columns(table: str) -> set[str]:
    found = op.get_bind().execute(
        sa.text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :t"
        ),
        {"t": table},
    )
    return set(found.scalars())


def _scope_functions() -> None:
    # PL/pgSQL rather than SQL: its plans are kept for the session, where a SQL function
    # called from a policy would be planned afresh in every query.
    me = "FROM staff_login s WHERE s.login = session_user AND s.enabled"
    op.execute(
        "CREATE FUNCTION intapp_scope_role() RETURNS text LANGUAGE plpgsql STABLE "
        + _definer(f"BEGIN RETURN (SELECT s.role::text {me}); END")
    )
    op.execute(
        "CREATE FUNCTION intapp_scope_all() RETURNS boolean LANGUAGE plpgsql STABLE "
        + _definer(f"BEGIN RETURN EXISTS (SELECT 1 {me} AND s.role = 'admin'); END")
    )
    op.execute(
        "CREATE FUNCTION intapp_scope_teams() RETURNS int[] LANGUAGE plpgsql STABLE "
        + _definer(
            "BEGIN RETURN (SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') "
            "FROM team t, staff_login s WHERE s.login = session_user AND s.enabled AND ("
            "s.role = 'admin' "
            "OR (s.role = 'supervisor' AND t.locality_id = s.locality_id) "
            "OR EXISTS (SELECT 1 FROM staff_team m WHERE m.login = s.login "
            "AND m.team_id = t.id))); END"
        )
    )
    op.execute(
        "CREATE FUNCTION intapp_scope_workers() RETURNS int[] LANGUAGE plpgsql STABLE "
        + _definer(
            "BEGIN RETURN (SELECT coalesce(array_agg(w.id), '{}') FROM worker w "
            "WHERE w.team_id = ANY (intapp_scope_teams()) "
            f"OR w.id = (SELECT s.worker_id {me})); END"
        )
    )
    open_referral = (
        "SELECT 1 FROM referral r WHERE r.person_id = p_person "
        f"AND r.status IN {OPEN_REFERRAL} AND (v_role = 'admin' "
        "OR r.team_id IN (SELECT m.team_id FROM staff_team m WHERE m.login = v_login) "
        "OR (v_role = 'supervisor' AND r.team_id IN "
        "(SELECT t.id FROM team t WHERE t.locality_id = v_locality)))"
    )
    op.execute(
        "CREATE FUNCTION intapp_reachable(p_person int) RETURNS boolean "
        "LANGUAGE plpgsql STABLE "
        + _definer(
            "DECLARE v_login text; v_worker int; v_role text; v_locality int; "
            "BEGIN SELECT s.login, s.worker_id, s.role, s.locality_id "
            f"INTO v_login, v_worker, v_role, v_locality {me}; "
            "IF v_login IS NULL THEN RETURN false; END IF; "
            f"RETURN EXISTS ({open_referral}) "
            "OR EXISTS (SELECT 1 FROM allocation a WHERE a.person_id = p_person "
            "AND a.worker_id = v_worker AND a.ended_at IS NULL) "
            "OR EXISTS (SELECT 1 FROM break_glass b WHERE b.login = v_login "
            "AND b.person_id = p_person AND b.expires_at > now()); END"
        )
    )
    op.execute(
        "CREATE FUNCTION intapp_transferred(p_person int) RETURNS boolean "
        "LANGUAGE plpgsql STABLE "
        + _definer(
            "BEGIN RETURN EXISTS (SELECT 1 FROM transfer t JOIN referral r "
            "ON r.id = t.referral_id WHERE r.person_id = p_person "
            "AND (t.from_team_id = ANY (intapp_scope_teams()) "
            "OR t.to_team_id = ANY (intapp_scope_teams()))); END"
        )
    )
    for function in SCOPE_FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {', '.join(ROLES)}")


def _policies() -> None:
    for table, scope in SCOPE.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY intapp_select ON {table} FOR SELECT USING ({scope})")
        person = WRITE_CHECK.get(table, "true")
        op.execute(
            f"CREATE POLICY intapp_insert ON {table} FOR INSERT "
            f"WITH CHECK (({scope}) AND ({person}))"
        )
        # A row in scope may leave it (a transfer sends a referral to another team).
        op.execute(
            f"CREATE POLICY intapp_update ON {table} FOR UPDATE USING ({scope}) "
            f"WITH CHECK ({person})"
        )
        op.execute(f"CREATE POLICY intapp_delete ON {table} FOR DELETE USING ({scope})")
    for table, scope in READ_ONLY_SCOPE.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY intapp_select ON {table} FOR SELECT USING ({scope})")
    # Only an admin changes a login (the staff screens); `intapp_sign_in` runs as owner.
    admin = "(SELECT intapp_scope_role()) = 'admin'"
    op.execute(f"CREATE POLICY intapp_insert ON staff_login FOR INSERT WITH CHECK ({admin})")
    op.execute(
        f"CREATE POLICY intapp_update ON staff_login FOR UPDATE USING ({admin}) "
        f"WITH CHECK ({admin})"
    )
    # Anyone may add to the trail about no one or someone in scope; the stamp makes the
    # event theirs.
    op.execute(
        "CREATE POLICY intapp_insert ON audit_event FOR INSERT "
        f"WITH CHECK ({WRITE_CHECK['audit_event']})"
    )


def _stamps() -> None:
    # The owner (and a superuser) can switch triggers off anyway, so the name it gives is
    # kept: that is how migrations, scripted imports and the test suite name their user.
    # Every other login gets its own name, whatever the client sent.
    trusted = TRUSTED
    for column in ("user", "author", "signed_off_by"):
        guard = f'NEW."{column}" IS NOT NULL AND ' if column == "signed_off_by" else ""
        op.execute(
            f"CREATE FUNCTION intapp_stamp_{column}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f'BEGIN IF {guard}NEW."{column}" IS DISTINCT FROM session_user::text '
            f'AND NOT {trusted} THEN NEW."{column}" := session_user; END IF; '
            "RETURN NEW; END $$"
        )
    for table, column, verbs in STAMPS:
        op.execute(
            f"CREATE TRIGGER intapp_stamp_{column} BEFORE {verbs} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION intapp_stamp_{column}()"
        )


def _sign_in_and_break_glass() -> None:
    roles = ", ".join(ROLES)
    op.execute(
        "CREATE FUNCTION intapp_sign_in() "
        "RETURNS TABLE(role text, worker_id int, locality_id int, team_ids int[]) "
        "LANGUAGE sql VOLATILE "
        + _definer(
            "UPDATE staff_login s SET last_sign_in_at = now() "
            "WHERE s.login = session_user AND s.enabled "
            "RETURNING s.role::text, s.worker_id, s.locality_id, intapp_scope_teams()"
        )
    )
    op.execute(
        "CREATE FUNCTION intapp_break_glass(p_identifier text, p_reason text) "
        "RETURNS TABLE(person_id int, expires_at timestamptz) LANGUAGE plpgsql VOLATILE "
        + _definer(
            "#variable_conflict use_column\n"
            "DECLARE v_person int; v_until timestamptz; v_reason text := "
            # Any run of spaces (a no-break space too) is one space, as the app does.
            "btrim(regexp_replace(p_reason, '[[:space:]\u00a0]+', ' ', 'g')); "
            "BEGIN "
            f"IF coalesce(length(v_reason), 0) < {SHORTEST_REASON} THEN RAISE EXCEPTION "
            "'Opening a record outside your scope needs a reason of at least % characters', "
            f"{SHORTEST_REASON} USING ERRCODE = 'check_violation'; END IF; "
            f"IF length(v_reason) > {LONGEST_REASON} THEN RAISE EXCEPTION "
            "'A reason for opening a record is at most % characters', "
            f"{LONGEST_REASON} USING ERRCODE = 'check_violation'; END IF; "
            "IF NOT EXISTS (SELECT 1 FROM staff_login s WHERE s.login = session_user "
            "AND s.enabled) THEN RAISE EXCEPTION '% is not an enabled staff login', "
            "session_user USING ERRCODE = 'insufficient_privilege'; END IF; "
            "SELECT coalesce(p.merged_into_id, p.id) INTO v_person FROM person p "
            "WHERE p.nhs_number = regexp_replace(p_identifier, '\\s', '', 'g') "
            "OR p.local_id = btrim(p_identifier) ORDER BY p.id LIMIT 1; "
            "IF v_person IS NULL THEN RETURN; END IF; "
            "SELECT now() + make_interval(hours => coalesce(max(a.break_glass_hours), 8)) "
            "INTO v_until FROM access_policy a; "
            "INSERT INTO break_glass (login, person_id, reason, granted_at, expires_at) "
            "VALUES (session_user, v_person, v_reason, now(), v_until); "
            'INSERT INTO audit_event (at, "user", entity, entity_id, action, changes, person_id) '
            "VALUES (now(), session_user, 'person', v_person::text, 'break_glass', "
            "json_build_object('reason', v_reason, 'expires_at', v_until), v_person); "
            "RETURN QUERY SELECT v_person, v_until; "
            "END"
        )
    )
    for function in ("intapp_sign_in()", "intapp_break_glass(text, text)"):
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {roles}")


def _postgresql_guard() -> None:
    # Compared as JSON without the columns a merge or a supersede changes, so a column
    # added later is kept too.
    moved = "(to_jsonb(NEW) - 'person_id' - 'status' - 'version')"
    kept = "(to_jsonb(OLD) - 'person_id' - 'status' - 'version')"
    allowed = f"({MERGE_MOVE}) OR ({SUPERSEDE})"
    allowed = allowed.replace(" IS OLD.", " IS NOT DISTINCT FROM OLD.").replace(
        " IS (SELECT", " IS NOT DISTINCT FROM (SELECT"
    )
    op.execute(
        "CREATE FUNCTION assessment_signed_off_kept() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF OLD.status NOT IN {SIGNED} THEN "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END IF; "
        f"IF TG_OP = 'UPDATE' AND {moved} = {kept} AND ({allowed}) THEN RETURN NEW; END IF; "
        f"RAISE EXCEPTION 'assessment %: {REFUSED}', OLD.id; END $$"
    )
    op.execute(
        "CREATE TRIGGER assessment_signed_off_kept BEFORE UPDATE OR DELETE ON assessment "
        "FOR EACH ROW EXECUTE FUNCTION assessment_signed_off_kept()"
    )


def _sqlite_guard() -> None:
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in ASSESSMENT_KEPT)
    op.execute(
        "CREATE TRIGGER assessment_signed_off_no_update BEFORE UPDATE ON assessment "
        f"WHEN OLD.status IN {SIGNED} AND NOT ({unchanged} AND (({MERGE_MOVE}) OR ({SUPERSEDE}))) "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
    )
    op.execute(
        "CREATE TRIGGER assessment_signed_off_no_delete BEFORE DELETE ON assessment "
        f"WHEN OLD.status IN {SIGNED} BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
    )
    # INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers.
    op.execute(
        "CREATE TRIGGER assessment_signed_off_no_replace BEFORE INSERT ON assessment "
        f"WHEN EXISTS (SELECT 1 FROM assessment WHERE id = NEW.id AND status IN {SIGNED}) "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
    )


def _staff_guards() -> None:
    """What only the owner may do: choose a time, insert a finished assessment, merge."""
    signed_off_at = (
        "IF TG_TABLE_NAME = 'assessment' THEN "
        f"IF TG_OP = 'INSERT' AND NEW.status IN {SIGNED} THEN RAISE EXCEPTION "
        "'an assessment is signed off after it is written, never inserted signed off' "
        "USING ERRCODE = 'insufficient_privilege'; END IF; "
        f"IF NEW.signed_off_by IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.status NOT IN {SIGNED}) "
        "THEN NEW.signed_off_at := now(); END IF; "
    )
    op.execute(
        "CREATE FUNCTION intapp_staff_times() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF {TRUSTED} THEN RETURN NEW; END IF; "
        f"{signed_off_at}"
        "ELSIF TG_TABLE_NAME = 'audit_event' THEN NEW.at := now(); "
        "ELSE NEW.written_at := now(); END IF; "
        "RETURN NEW; END $$"
    )
    for table, verbs in TIMES:
        op.execute(
            f"CREATE TRIGGER intapp_staff_times BEFORE {verbs} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION intapp_staff_times()"
        )
    # A merge moves a person's signed-off assessments (and notes) to the record they were
    # merged into: only a supervisor merges, so only they may say where that is.
    op.execute(
        "CREATE FUNCTION intapp_merge_by_supervisor() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF NEW.merged_into_id IS NOT NULL AND (TG_OP = 'INSERT' "
        "OR NEW.merged_into_id IS DISTINCT FROM OLD.merged_into_id) "
        f"AND NOT {TRUSTED} AND intapp_scope_role() IS DISTINCT FROM 'supervisor' THEN "
        "RAISE EXCEPTION 'only a supervisor merges records' "
        "USING ERRCODE = 'insufficient_privilege'; END IF; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER intapp_merge_by_supervisor BEFORE INSERT OR UPDATE OF merged_into_id "
        "ON person FOR EACH ROW EXECUTE FUNCTION intapp_merge_by_supervisor()"
    )


def _functions_without_search_path() -> list[str]:
    found = op.get_bind().execute(
        sa.text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind = 'f' "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') "
            "AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%') "
            "ORDER BY 1"
        )
    )
    return list(found.scalars())


def _unfixed_before_0018() -> list[str]:
    """The functions of earlier migrations, which 0018 gives a search path."""
    ours = {f.split("(")[0] for f in FUNCTIONS}
    found = op.get_bind().execute(
        sa.text(
            "SELECT p.oid::regprocedure::text, p.proname FROM pg_proc p "
            "WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind = 'f' "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') "
            "AND EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%') "
            "AND NOT p.prosecdef ORDER BY 1"
        )
    )
    return [signature for signature, name in found.all() if name not in ours]


def _fixed_search_paths() -> None:
    """Every function of this schema (the triggers of 0012, 0016 and this one) looks its
    tables up in the schema, never first in a login's own temporary tables: a TEMP
    table named `person` would otherwise stand in for the real one."""
    for function in _functions_without_search_path():
        op.execute(f"ALTER FUNCTION {function} SET search_path = pg_catalog, {_schema()}, pg_temp")


def _staff_audit() -> None:
    """Every change to who may sign in, and with what scope, is in the trail, however it
    was made (the staff screens record their own too). A sign-in's time is no change.
    The owner's own writes (migrations, scripts) are not, as with the stamps."""
    op.execute(
        "CREATE FUNCTION intapp_staff_audit() RETURNS trigger LANGUAGE plpgsql "
        + _definer(
            "DECLARE v_old jsonb := CASE WHEN TG_OP = 'INSERT' THEN '{}' ELSE to_jsonb(OLD) END; "
            "v_new jsonb := CASE WHEN TG_OP = 'DELETE' THEN '{}' ELSE to_jsonb(NEW) END; "
            "v_changes jsonb; "
            f"BEGIN IF {TRUSTED} THEN RETURN NULL; END IF; "
            "SELECT jsonb_object_agg(k, jsonb_build_array(v_old -> k, v_new -> k)) "
            "INTO v_changes FROM (SELECT jsonb_object_keys(v_old || v_new) AS k) keys "
            "WHERE k <> 'last_sign_in_at' AND (v_old -> k) IS DISTINCT FROM (v_new -> k); "
            "IF v_changes IS NULL THEN RETURN NULL; END IF; "
            'INSERT INTO audit_event (at, "user", entity, entity_id, action, changes) '
            "VALUES (now(), session_user, TG_TABLE_NAME, "
            "coalesce(v_new ->> 'login', v_old ->> 'login'), "
            "CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' "
            "ELSE 'delete' END, v_changes::json); "
            "RETURN NULL; END"
        )
    )
    for table in ("staff_login", "staff_team"):
        op.execute(
            f"CREATE TRIGGER intapp_staff_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION intapp_staff_audit()"
        )
