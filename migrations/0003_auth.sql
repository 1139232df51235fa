-- dicom-gw schema, part 3: authentication for the admin API and console.
--
-- Secrets are never stored: sessions and API tokens are kept as the SHA-256 of the random
-- value handed to the client once, so a copy of the database (a pg_dump backup) cannot be
-- replayed against the API. Passwords are bcrypt hashes in dicom_gw.users (0001).

-- Browser sessions, created by a successful login and carried in an HttpOnly cookie.
-- csrf_token is echoed by the console's forms and the API's X-CSRF-Token header; it is
-- useless without the cookie, so it is kept as is.
CREATE TABLE dicom_gw.sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES dicom_gw.users (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    address      inet,
    CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_id_idx ON dicom_gw.sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON dicom_gw.sessions (expires_at);

-- API tokens for scripts: "Authorization: Bearer dgw_…". The token acts with its owner's
-- current role; a disabled owner's tokens stop working. 'prefix' (the first characters
-- of the token) lets an operator tell tokens apart without revealing them.
CREATE TABLE dicom_gw.api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    prefix       text NOT NULL,
    user_id      bigint NOT NULL REFERENCES dicom_gw.users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX api_tokens_user_id_idx ON dicom_gw.api_tokens (user_id);

-- When a password last changed, for reports and for invalidating older sessions.
ALTER TABLE dicom_gw.users ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now();

-- Audit retention, replacing 0001's purge. The chain is defined by chain_seq, and an event
-- may be sealed after a later-dated one (its transaction started before midnight and
-- committed after). Deleting strictly by day could then cut a hole in the middle of the
-- chain; this purge removes only a prefix of the sealed chain: whole days, minus any
-- event sealed after the first event it keeps. Unsealed events are never purged. The
-- first remaining event's prev_hash is the new anchor for verification.
CREATE OR REPLACE FUNCTION dicom_gw.purge_audit_events(before_day date, purged_by text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    cutoff   timestamptz := before_day::timestamp AT TIME ZONE 'UTC';
    keep_seq bigint;
    deleted  bigint;
BEGIN
    -- Serialise with the sealer so the chain's tail does not move underneath.
    PERFORM pg_advisory_xact_lock(hashtext('dicom_gw.audit_sealer'));
    SELECT min(chain_seq) INTO keep_seq
      FROM dicom_gw.audit_events
     WHERE chain_seq IS NOT NULL AND occurred_at >= cutoff;
    PERFORM set_config('dicom_gw.audit_purge', 'on', true);
    DELETE FROM dicom_gw.audit_events
     WHERE occurred_at < cutoff
       AND chain_seq IS NOT NULL
       AND (keep_seq IS NULL OR chain_seq < keep_seq);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('dicom_gw.audit_purge', 'off', true);
    INSERT INTO dicom_gw.audit_events (actor_type, actor, action, object_type, outcome, details)
    VALUES ('user', purged_by, 'audit.purge', 'audit_events', 'success',
            jsonb_build_object('before_day', before_day, 'deleted', deleted));
    RETURN deleted;
END;
$$;

-- Only the owner (the migration role) may purge; grant it explicitly to an operator role.
REVOKE ALL ON FUNCTION dicom_gw.purge_audit_events(date, text) FROM PUBLIC;

-- Filters of the audit list and the API.
CREATE INDEX audit_events_actor_idx ON dicom_gw.audit_events (actor, occurred_at);
