-- dicom-gw schema, part 1: what was received, where it goes, who did what.
--
-- The schema is a public interface: worker daemons, SQL reports and pg_dump backups read
-- it directly. Names are meant to read well in reports. Paths are relative to the
-- storage root so the root can move or be shared between machines.

CREATE SCHEMA IF NOT EXISTS dicom_gw;

-- A DICOM UID (PS3.5 §9.1): digits and dots, at most 64 characters, no empty component,
-- no leading zero in a component other than "0" itself. The application validates UIDs
-- before it builds any path; the domain keeps a bad one out of the tables too.
CREATE DOMAIN dicom_gw.uid AS text
    CHECK (length(VALUE) <= 64 AND VALUE ~ '^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$');

-- An application entity title: 1–16 characters of the default repertoire, no backslash
-- or control characters (PS3.5 Table 6.2-1, AE).
CREATE DOMAIN dicom_gw.ae_title AS text
    CHECK (length(VALUE) BETWEEN 1 AND 16 AND VALUE ~ '^[\x20-\x5b\x5d-\x7e]+$');

-- Studies, series and instances: the tree under storage/studies/{study}/{series}/{sop}.dcm.
-- Patient and study attributes are copied from the most recent instance received.
CREATE TABLE dicom_gw.studies (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    study_instance_uid       dicom_gw.uid NOT NULL UNIQUE,
    patient_id               text,
    patient_name             text,
    patient_birth_date       date,
    patient_sex              text,
    accession_number         text,
    study_id                 text,
    study_date               date,
    study_time               time,
    study_description        text,
    referring_physician_name text,
    first_received_at        timestamptz NOT NULL DEFAULT now(),
    last_received_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX studies_patient_id_idx ON dicom_gw.studies (patient_id);
CREATE INDEX studies_accession_number_idx ON dicom_gw.studies (accession_number);
CREATE INDEX studies_study_date_idx ON dicom_gw.studies (study_date);
CREATE INDEX studies_last_received_at_idx ON dicom_gw.studies (last_received_at);

CREATE TABLE dicom_gw.series (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    study_id            bigint NOT NULL REFERENCES dicom_gw.studies (id) ON DELETE CASCADE,
    series_instance_uid dicom_gw.uid NOT NULL UNIQUE,
    modality            text,
    series_number       integer,
    series_description  text,
    body_part_examined  text,
    first_received_at   timestamptz NOT NULL DEFAULT now(),
    last_received_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX series_study_id_idx ON dicom_gw.series (study_id);
CREATE INDEX series_modality_idx ON dicom_gw.series (modality);

-- Where an instance's file is: in the tree, archived after forwarding, or set aside after
-- a delivery failed for good. 'deleted' keeps the row (and its history) after retention
-- removed the file.
CREATE TYPE dicom_gw.storage_state AS ENUM ('stored', 'forwarded', 'failed', 'deleted');

CREATE TABLE dicom_gw.instances (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    series_id           bigint NOT NULL REFERENCES dicom_gw.series (id) ON DELETE CASCADE,
    study_id            bigint NOT NULL REFERENCES dicom_gw.studies (id) ON DELETE CASCADE,
    sop_instance_uid    dicom_gw.uid NOT NULL UNIQUE,
    sop_class_uid       dicom_gw.uid NOT NULL,
    transfer_syntax_uid dicom_gw.uid NOT NULL,
    instance_number     integer,
    storage_state       dicom_gw.storage_state NOT NULL DEFAULT 'stored',
    -- Relative to the storage root, e.g. storage/studies/1.2/1.2.3/1.2.3.4.dcm.
    file_path           text NOT NULL,
    size_bytes          bigint NOT NULL CHECK (size_bytes >= 0),
    sha256              bytea NOT NULL CHECK (length(sha256) = 32),
    calling_ae_title    text,
    called_ae_title     text,
    peer_address        inet,
    association_id      uuid,
    received_at         timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT instances_file_path_relative CHECK (file_path !~ '^/' AND file_path !~ '(^|/)\.\.(/|$)')
);
CREATE INDEX instances_series_id_idx ON dicom_gw.instances (series_id);
CREATE INDEX instances_study_id_idx ON dicom_gw.instances (study_id);
CREATE INDEX instances_received_at_idx ON dicom_gw.instances (received_at);
CREATE INDEX instances_storage_state_idx ON dicom_gw.instances (storage_state) WHERE storage_state <> 'stored';

-- Remote DICOM nodes the gateway forwards to. 'source' says whether the row is managed
-- from the configuration file (synced at start-up, file wins) or by operators.
CREATE TABLE dicom_gw.destinations (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    ae_title                    dicom_gw.ae_title NOT NULL,
    host                        text NOT NULL,
    port                        integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    calling_ae_title            dicom_gw.ae_title,
    tls_enabled                 boolean NOT NULL DEFAULT false,
    tls_ca_file                 text,
    tls_certificate_file        text,
    tls_key_file                text,
    max_associations            integer NOT NULL DEFAULT 2 CHECK (max_associations BETWEEN 1 AND 64),
    max_objects_per_association integer NOT NULL DEFAULT 100 CHECK (max_objects_per_association >= 1),
    max_attempts                integer NOT NULL DEFAULT 10 CHECK (max_attempts >= 1),
    retry_initial_delay         interval NOT NULL DEFAULT '10 seconds',
    retry_max_delay             interval NOT NULL DEFAULT '1 hour',
    enabled                     boolean NOT NULL DEFAULT true,
    source                      text NOT NULL DEFAULT 'operator' CHECK (source IN ('operator', 'config')),
    description                 text,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);

-- Routing rules: which received objects go to which destinations. 'conditions' is a JSON
-- object of matchers (calling_ae, called_ae, modality, sop_class, tags); an empty object
-- matches everything. 'mode' immediate sends each object as it arrives; study_stable waits
-- until the study has been quiet for stable_seconds.
CREATE TABLE dicom_gw.routes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    enabled        boolean NOT NULL DEFAULT true,
    priority       integer NOT NULL DEFAULT 100,
    conditions     jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(conditions) = 'object'),
    mode           text NOT NULL DEFAULT 'immediate' CHECK (mode IN ('immediate', 'study_stable')),
    stable_seconds integer NOT NULL DEFAULT 0 CHECK (stable_seconds >= 0),
    archive_policy text NOT NULL DEFAULT 'keep' CHECK (archive_policy IN ('keep', 'archive', 'delete')),
    source         text NOT NULL DEFAULT 'operator' CHECK (source IN ('operator', 'config')),
    description    text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dicom_gw.route_destinations (
    route_id       bigint NOT NULL REFERENCES dicom_gw.routes (id) ON DELETE CASCADE,
    destination_id bigint NOT NULL REFERENCES dicom_gw.destinations (id) ON DELETE RESTRICT,
    PRIMARY KEY (route_id, destination_id)
);
CREATE INDEX route_destinations_destination_id_idx ON dicom_gw.route_destinations (destination_id);

-- Operator accounts. Passwords are bcrypt hashes; nothing here is ever logged.
CREATE TABLE dicom_gw.users (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username           text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    password_hash      text NOT NULL,
    role               text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    disabled           boolean NOT NULL DEFAULT false,
    failed_login_count integer NOT NULL DEFAULT 0,
    locked_until       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    last_login_at      timestamptz
);

-- The audit log: append-only. Events are inserted without their hash; a single sealer
-- (any process, under an advisory lock) later assigns each committed event its place in
-- the chain (chain_seq) and hash = sha256(prev_hash || canonical event). Chaining at seal
-- time rather than insert time keeps concurrent receive transactions from serialising on
-- the chain's tail. After sealing a row cannot change; nothing can be deleted except by
-- the privileged purge of whole days (dicom_gw.purge_audit_events, itself audited).
CREATE TABLE dicom_gw.audit_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    actor_type    text NOT NULL CHECK (actor_type IN ('user', 'system', 'remote_ae')),
    actor         text NOT NULL,
    actor_address inet,
    action        text NOT NULL,
    object_type   text,
    object_id     text,
    outcome       text NOT NULL CHECK (outcome IN ('success', 'failure', 'warning')),
    details       jsonb NOT NULL DEFAULT '{}'::jsonb,
    chain_seq     bigint UNIQUE,
    prev_hash     bytea,
    hash          bytea
);
CREATE INDEX audit_events_occurred_at_idx ON dicom_gw.audit_events (occurred_at);
CREATE INDEX audit_events_action_idx ON dicom_gw.audit_events (action, occurred_at);
CREATE INDEX audit_events_unsealed_idx ON dicom_gw.audit_events (id) WHERE chain_seq IS NULL;

CREATE FUNCTION dicom_gw.audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('dicom_gw.audit_purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- UPDATE: only sealing an unsealed event, and only its chain columns.
    IF OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
       AND (NEW.id, NEW.occurred_at, NEW.actor_type, NEW.actor, NEW.actor_address, NEW.action,
            NEW.object_type, NEW.object_id, NEW.outcome, NEW.details)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.occurred_at, OLD.actor_type, OLD.actor, OLD.actor_address, OLD.action,
            OLD.object_type, OLD.object_id, OLD.outcome, OLD.details) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON dicom_gw.audit_events
    FOR EACH ROW EXECUTE FUNCTION dicom_gw.audit_events_append_only();

-- TRUNCATE bypasses row triggers; refuse it too.
CREATE FUNCTION dicom_gw.audit_events_no_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON dicom_gw.audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION dicom_gw.audit_events_no_truncate();

-- Retention for the audit log: removes whole days before `before_day` (UTC) and records the
-- purge as an audit event of its own. The only path by which audit rows are deleted.
CREATE FUNCTION dicom_gw.purge_audit_events(before_day date, purged_by text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    deleted bigint;
BEGIN
    PERFORM set_config('dicom_gw.audit_purge', 'on', true);
    DELETE FROM dicom_gw.audit_events
     WHERE occurred_at < (before_day::timestamp AT TIME ZONE 'UTC');
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('dicom_gw.audit_purge', 'off', true);
    INSERT INTO dicom_gw.audit_events (actor_type, actor, action, object_type, outcome, details)
    VALUES ('user', purged_by, 'audit.purge', 'audit_events', 'success',
            jsonb_build_object('before_day', before_day, 'deleted', deleted));
    RETURN deleted;
END;
$$;
