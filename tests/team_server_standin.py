"""Until the team server's migration (0018) is in, a stand-in with the same contract.

`intapp_sign_in()` and `intapp_break_glass(identifier, reason)` as SECURITY DEFINER
functions, the group roles' grants, and row-level security on `person` (a login sees
its teams' people and those it has a live break-glass grant for), created in a test
database only where the real ones are missing. Tests of the screens run against it.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

STANDIN = """
GRANT USAGE ON SCHEMA public TO intapp_key_worker, intapp_coordinator, intapp_supervisor,
    intapp_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO intapp_key_worker,
    intapp_coordinator, intapp_supervisor, intapp_admin;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO intapp_key_worker,
    intapp_coordinator, intapp_supervisor, intapp_admin;

CREATE FUNCTION intapp_scope() RETURNS int[] LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS $$
  SELECT CASE s.role
    WHEN 'admin' THEN (SELECT array_agg(id) FROM team)
    WHEN 'supervisor' THEN (SELECT array_agg(id) FROM team WHERE locality_id = s.locality_id)
    ELSE (SELECT array_agg(team_id) FROM staff_team t WHERE t.login = s.login)
  END
  FROM staff_login s WHERE s.login = session_user AND s.enabled
$$;

CREATE FUNCTION intapp_sign_in()
RETURNS TABLE(role text, worker_id int, locality_id int, team_ids int[])
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  UPDATE staff_login SET last_sign_in_at = now() WHERE login = session_user AND enabled;
  SELECT s.role::text, s.worker_id, s.locality_id, coalesce(intapp_scope(), '{}')
  FROM staff_login s WHERE s.login = session_user AND s.enabled
$$;

CREATE FUNCTION intapp_break_glass(p_identifier text, p_reason text)
RETURNS TABLE(person_id int, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  found_id int;
  hours int;
BEGIN
  IF coalesce(btrim(p_reason), '') = '' THEN
    RAISE EXCEPTION 'a reason is required' USING ERRCODE = '22023';
  END IF;
  SELECT p.id INTO found_id FROM person p
   WHERE p.nhs_number = p_identifier OR p.local_id = p_identifier LIMIT 1;
  IF found_id IS NULL THEN
    RETURN;
  END IF;
  SELECT break_glass_hours INTO hours FROM access_policy WHERE id = 1;
  INSERT INTO audit_event (at, "user", entity, entity_id, action, changes, person_id)
  VALUES (now(), session_user, 'person', found_id::text, 'break_glass',
          json_build_object('reason', btrim(p_reason),
                            'expires_at', now() + make_interval(hours => coalesce(hours, 8))),
          found_id);
  RETURN QUERY
    INSERT INTO break_glass (login, person_id, reason, granted_at, expires_at)
    VALUES (session_user, found_id, btrim(p_reason), now(),
            now() + make_interval(hours => coalesce(hours, 8)))
    RETURNING break_glass.person_id, break_glass.expires_at;
END
$$;

ALTER TABLE person ENABLE ROW LEVEL SECURITY;
CREATE POLICY person_in_scope ON person USING (
  team_id = ANY (coalesce(intapp_scope(), '{}'))
  OR EXISTS (SELECT 1 FROM break_glass g WHERE g.person_id = person.id
             AND g.login = session_user AND g.expires_at > now())
);
"""


def ensure_team_server(engine: Engine) -> None:
    """Create the stand-in unless the real team-server functions exist."""
    with engine.connect() as conn:
        real = conn.execute(text("SELECT to_regprocedure('intapp_sign_in()')")).scalar()
        if real is None:
            conn.exec_driver_sql(STANDIN)
        conn.commit()
