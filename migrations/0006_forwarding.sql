-- dicom-gw schema, part 6: forwarding.
--
-- Destinations and routes live in 0001. Here: what the forwarder adds to them, the delivery
-- ledger (latest outcome per instance and destination, the table reports read), and the
-- association slots that hold each destination to its max_associations across every worker
-- process. Forward jobs themselves are ordinary jobs of queue 'forward' (0002), one lane per
-- destination ('destination:{id}'), grouped by study ('study:{uid}').

-- Operator pause (CLI 'destination update --paused') and the circuit breaker: after
-- breaker_threshold consecutive connection failures the destination's lane pauses for
-- breaker_pause and its jobs wait without spending attempts.
ALTER TABLE dicom_gw.destinations
    ADD COLUMN paused               boolean NOT NULL DEFAULT false,
    ADD COLUMN breaker_threshold    integer NOT NULL DEFAULT 3 CHECK (breaker_threshold >= 1),
    ADD COLUMN breaker_pause        interval NOT NULL DEFAULT '30 seconds',
    ADD COLUMN connection_failures  integer NOT NULL DEFAULT 0,
    ADD COLUMN last_connected_at    timestamptz,
    ADD COLUMN last_error           text;

-- The delivery ledger: one row per (instance, destination), its latest outcome.
--   pending     a live forward job exists (waiting, retrying, running)
--   delivered   0000 or a B0xx warning (last_status says which)
--   failed      dead-lettered: a permanent refusal or attempts spent
--   cancelled   an operator cancelled the job
-- 'settled' turns true once the archive policy ran for the current round; a new job (a
-- replay, a retry, a replaced instance) sets it back to false.
CREATE TABLE dicom_gw.deliveries (
    instance_id      bigint NOT NULL REFERENCES dicom_gw.instances (id) ON DELETE CASCADE,
    destination_id   bigint NOT NULL REFERENCES dicom_gw.destinations (id) ON DELETE CASCADE,
    route_id         bigint REFERENCES dicom_gw.routes (id) ON DELETE SET NULL,
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    archive_policy   text NOT NULL DEFAULT 'keep' CHECK (archive_policy IN ('keep', 'archive', 'delete')),
    job_id           bigint,
    attempts         integer NOT NULL DEFAULT 0,
    -- The last C-STORE status as four hex digits ('0000', 'B000', 'A700'), NULL when the
    -- attempt never got a response (connection refused, association rejected).
    last_status      text,
    last_error       text,
    enqueued_at      timestamptz NOT NULL DEFAULT now(),
    last_attempt_at  timestamptz,
    delivered_at     timestamptz,
    settled          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (instance_id, destination_id)
);
CREATE INDEX deliveries_destination_idx ON dicom_gw.deliveries (destination_id, state, last_attempt_at);
CREATE INDEX deliveries_unsettled_idx ON dicom_gw.deliveries (instance_id) WHERE NOT settled;

-- Association slots: a worker holds one slot of a destination while its association is
-- open. A slot is free when no job of the claim that took it is still running, so a worker
-- killed mid-batch frees its slot as soon as the rescuer returns its jobs.
CREATE TABLE dicom_gw.forward_slots (
    destination_id bigint NOT NULL REFERENCES dicom_gw.destinations (id) ON DELETE CASCADE,
    slot           integer NOT NULL CHECK (slot >= 0),
    lane           text NOT NULL,
    lease_ids      bigint[],
    acquired_at    timestamptz,
    PRIMARY KEY (destination_id, slot)
);

-- Takes a free slot below p_max for the claim holding p_lease_ids; NULL when all are taken.
CREATE FUNCTION dicom_gw.forward_slot_acquire(p_destination_id bigint, p_max integer, p_lease_ids bigint[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_lane text := 'destination:' || p_destination_id;
    v_slot integer;
BEGIN
    INSERT INTO dicom_gw.forward_slots (destination_id, slot, lane)
    SELECT p_destination_id, s, v_lane FROM generate_series(0, greatest(p_max, 1) - 1) AS s
    ON CONFLICT DO NOTHING;
    SELECT s.slot INTO v_slot FROM dicom_gw.forward_slots s
    WHERE s.destination_id = p_destination_id AND s.slot < p_max
      AND (s.lease_ids IS NULL OR NOT EXISTS (
               SELECT 1 FROM dicom_gw.jobs j
               WHERE j.state = 'running' AND j.lane = s.lane AND j.lease_id = ANY (s.lease_ids)))
    ORDER BY s.slot LIMIT 1
    FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN RETURN NULL; END IF;
    UPDATE dicom_gw.forward_slots SET lease_ids = p_lease_ids, acquired_at = now()
    WHERE destination_id = p_destination_id AND slot = v_slot;
    RETURN v_slot;
END;
$$;

CREATE FUNCTION dicom_gw.forward_slot_release(p_destination_id bigint, p_slot integer, p_lease_ids bigint[])
RETURNS void LANGUAGE sql AS $$
    UPDATE dicom_gw.forward_slots SET lease_ids = NULL, acquired_at = NULL
    WHERE destination_id = p_destination_id AND slot = p_slot AND lease_ids = p_lease_ids;
$$;

-- Records routed deliveries in the receive transaction (parallel arrays, one element per
-- destination) and, for study-stable destinations, pushes the quiet period of the study's
-- waiting jobs to at least p_stable_ms from now (a late object extends the wait).
CREATE FUNCTION dicom_gw.forward_record(
    p_instance_id     bigint,
    p_study_uid       text,
    p_destination_ids bigint[],
    p_route_ids       bigint[],
    p_policies        text[],
    p_job_ids         bigint[],
    p_stable_ms       bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dicom_gw.deliveries AS d (instance_id, destination_id, route_id, state, archive_policy,
                                          job_id, enqueued_at, settled)
    SELECT p_instance_id, t.dest, nullif(t.route, 0), 'pending', t.policy, nullif(t.job, 0), now(), false
    FROM unnest(p_destination_ids, p_route_ids, p_policies, p_job_ids) AS t(dest, route, policy, job)
    ON CONFLICT (instance_id, destination_id) DO UPDATE
    SET state = 'pending', route_id = excluded.route_id, archive_policy = excluded.archive_policy,
        job_id = coalesce(excluded.job_id, d.job_id), enqueued_at = now(), settled = false;

    UPDATE dicom_gw.jobs j
    SET run_at = greatest(j.run_at, now() + t.ms * interval '1 millisecond')
    FROM unnest(p_destination_ids, p_stable_ms) AS t(dest, ms)
    WHERE t.ms > 0 AND j.queue = 'forward' AND j.state = 'scheduled'
      AND j.lane = 'destination:' || t.dest AND j.group_key = 'study:' || p_study_uid;
END;
$$;

-- Where every instance with forwarding stands, for reports: one row per (instance,
-- destination) with names instead of ids.
CREATE VIEW dicom_gw.delivery_status AS
SELECT s.study_instance_uid, i.sop_instance_uid, de.name AS destination, r.name AS route,
       d.state, d.attempts, d.last_status, d.last_error, d.enqueued_at, d.last_attempt_at,
       d.delivered_at, i.storage_state, i.file_path, d.job_id
FROM dicom_gw.deliveries d
JOIN dicom_gw.instances i ON i.id = d.instance_id
JOIN dicom_gw.studies s ON s.id = i.study_id
JOIN dicom_gw.destinations de ON de.id = d.destination_id
LEFT JOIN dicom_gw.routes r ON r.id = d.route_id;
