-- dicom-gw schema, part 13: a limited lane's running count that stays cheap under a
-- pinned snapshot.
--
-- A claim of a lane with max_running (every forwarding destination's lane) counts the
-- lane's running jobs, holding the lane's row lock. It counted them on jobs_running_idx
-- (lane, worker_id), whose entries for the lane include one dead entry per job claimed
-- since a long-held snapshot (pg_dump, a REPEATABLE READ report) began: nobody may prune
-- them, so the count walked all of them, with a heap visit each. Measured here
-- (BENCH_PIN_MAX_RUNNING=400 scripts/bench-queue.sh pinned, 4 workers, batches of 50):
-- 31,800 jobs/s unpinned, and 9,100 -> 3,400 -> 2,400 -> 1,900 jobs/s over the first
-- 40 s of a pin, falling on as the snapshot aged.
--
-- Now the index is on (lane, lease_id), and each limited lane keeps a lease floor: no
-- running job of the lane holds a lease below it. The count starts at the floor, so it
-- walks the running jobs plus the jobs of the lane claimed since the oldest of them, not
-- everything since the snapshot. Claims raise the floor while they hold the lane's lock
-- (every claim of a limited lane takes it before minting leases, so no claim of the lane
-- is in flight then, and the count's own snapshot, taken after the lock, sees every
-- running job): to the oldest running lease, or to the sequence's last value when none
-- runs (every lease minted later is above it). A floor is only ever too low, never too
-- high, so the count is never short. One case remains: a lane whose max_running is set
-- while an unlimited claim of it is in flight can run one batch over its limit once.
--
-- The forwarder's association slots (forward_slot_acquire) look running jobs up by lane
-- and lease id, which the new index answers directly.

DROP INDEX dicom_gw.jobs_running_idx;
CREATE INDEX jobs_running_idx ON dicom_gw.jobs (lane, lease_id) WHERE state = 'running';

ALTER TABLE dicom_gw.job_lanes
    ADD COLUMN running_lease_floor bigint NOT NULL DEFAULT 0,
    ADD COLUMN running_floor_at    timestamptz;
COMMENT ON COLUMN dicom_gw.job_lanes.running_lease_floor IS
    'no running job of the lane has a lease_id below this (claims of a limited lane raise it)';
COMMENT ON COLUMN dicom_gw.job_lanes.running_floor_at IS
    'when running_lease_floor was last raised';

-- The claim of 0007, with the count above.
CREATE OR REPLACE FUNCTION dicom_gw.job_claim(
    p_queue                  text,
    p_worker_id              bigint,
    p_limit                  integer,
    p_lease_seconds          double precision,
    p_lanes                  text[]           DEFAULT NULL,
    p_hint_lanes             text[]           DEFAULT NULL,
    p_hint_priorities        integer[]        DEFAULT NULL,
    p_hint_run_ats           text[]           DEFAULT NULL,
    p_hint_ids               bigint[]         DEFAULT NULL,
    p_lookback_seconds       double precision DEFAULT 0,
    p_promote_window_seconds double precision DEFAULT NULL)
RETURNS SETOF dicom_gw.jobs
LANGUAGE plpgsql AS $$
DECLARE
    v_lane      record;
    v_waited    text[] := '{}';
    v_room      integer;
    v_first     record;
    v_ids       bigint[];
    v_pass      integer;
    v_hint      integer;
    v_hprio     smallint;
    v_hrun      timestamptz;
    v_hid       bigint;
    v_locked    boolean := false;
    v_floor     bigint;
    v_floor_at  timestamptz;
    v_oldest    bigint;
BEGIN
    IF p_limit < 1 THEN RETURN; END IF;
    IF EXISTS (SELECT 1 FROM dicom_gw.job_queues q
               WHERE q.queue = p_queue AND q.paused_until > now()) THEN
        RETURN;
    END IF;
    PERFORM dicom_gw.job_promote_due(1000, p_promote_window_seconds);

    -- Pass 1 skips limited lanes another claimer holds; pass 2 waits for them, so many
    -- workers on one busy lane queue up behind each other instead of going idle.
    FOR v_pass IN 1..2 LOOP
        FOR v_lane IN
            SELECT l.lane, l.max_running FROM dicom_gw.job_lanes l
            WHERE (p_lanes IS NULL OR l.lane = ANY (p_lanes))
              AND (l.paused_until IS NULL OR l.paused_until <= now())
              AND (v_pass = 1 OR l.lane = ANY (v_waited))
            ORDER BY (l.lane = ANY (p_hint_lanes)) DESC NULLS LAST, random()
        LOOP
            -- The first job also tells whether the lane has work, before any lane lock.
            v_hint := array_position(p_hint_lanes, v_lane.lane);
            IF v_hint IS NOT NULL AND p_hint_ids[v_hint] IS NOT NULL THEN
                v_hprio := p_hint_priorities[v_hint]::smallint;
                v_hrun := p_hint_run_ats[v_hint]::timestamptz;
                v_hid := p_hint_ids[v_hint];
                IF coalesce(p_lookback_seconds, 0) > 0 THEN
                    v_hrun := v_hrun - make_interval(secs => p_lookback_seconds);
                    v_hid := 0;
                END IF;
                -- A better priority than the hint's: its own range, empty unless the lane
                -- mixes priorities.
                SELECT j.id, j.group_key, j.priority, j.run_at INTO v_first
                FROM dicom_gw.jobs j
                WHERE j.state = 'available' AND j.queue = p_queue AND j.lane = v_lane.lane
                  AND j.priority < v_hprio
                ORDER BY j.priority, j.run_at, j.id
                LIMIT 1 FOR UPDATE SKIP LOCKED;
                IF NOT FOUND THEN
                    SELECT j.id, j.group_key, j.priority, j.run_at INTO v_first
                    FROM dicom_gw.jobs j
                    WHERE j.state = 'available' AND j.queue = p_queue AND j.lane = v_lane.lane
                      AND (j.priority, j.run_at, j.id) > (v_hprio, v_hrun, v_hid)
                    ORDER BY j.priority, j.run_at, j.id
                    LIMIT 1 FOR UPDATE SKIP LOCKED;
                END IF;
            ELSE
                SELECT j.id, j.group_key, j.priority, j.run_at INTO v_first
                FROM dicom_gw.jobs j
                WHERE j.state = 'available' AND j.queue = p_queue AND j.lane = v_lane.lane
                ORDER BY j.priority, j.run_at, j.id
                LIMIT 1 FOR UPDATE SKIP LOCKED;
            END IF;
            CONTINUE WHEN NOT FOUND;

            v_room := p_limit;
            IF v_lane.max_running IS NOT NULL THEN
                IF v_pass = 1 THEN
                    SELECT l.running_lease_floor, l.running_floor_at INTO v_floor, v_floor_at
                    FROM dicom_gw.job_lanes l WHERE l.lane = v_lane.lane
                    FOR NO KEY UPDATE SKIP LOCKED;
                    IF NOT FOUND THEN
                        v_waited := v_waited || v_lane.lane;
                        CONTINUE;
                    END IF;
                    v_locked := true;
                ELSE
                    -- Never wait for a lane while holding another (lane locks last until the
                    -- claim returns): two claimers doing that in opposite order deadlock.
                    IF v_locked THEN RETURN; END IF;
                    v_locked := true;
                    -- Re-read after the wait: the holder may have paused the lane.
                    SELECT l.running_lease_floor, l.running_floor_at INTO v_floor, v_floor_at
                    FROM dicom_gw.job_lanes l
                    WHERE l.lane = v_lane.lane
                      AND (l.paused_until IS NULL OR l.paused_until <= now())
                    FOR NO KEY UPDATE;
                    CONTINUE WHEN NOT FOUND;
                END IF;
                -- Running jobs of the lane from its lease floor on (see the head of 0013).
                SELECT v_lane.max_running - count(*), min(j.lease_id) INTO v_room, v_oldest
                FROM dicom_gw.jobs j
                WHERE j.state = 'running' AND j.lane = v_lane.lane AND j.lease_id >= v_floor;
                -- Raise the floor to the oldest running lease (or past every lease minted
                -- so far when none runs), at most once a second: each raise is a row
                -- version of the lane that a pinned snapshot keeps too (3,600 an hour,
                -- against the count walking at most a second's claims of the lane).
                IF (v_floor_at IS NULL OR v_floor_at < now() - interval '1 second')
                   AND coalesce(v_oldest, (SELECT s.last_value FROM dicom_gw.job_lease_id_seq s)) > v_floor THEN
                    UPDATE dicom_gw.job_lanes
                    SET running_lease_floor = coalesce(v_oldest, (SELECT s.last_value FROM dicom_gw.job_lease_id_seq s)),
                        running_floor_at = now()
                    WHERE lane = v_lane.lane;
                END IF;
                v_room := least(v_room, p_limit);
                CONTINUE WHEN v_room <= 0;
            END IF;

            v_ids := ARRAY[v_first.id];
            IF v_room > 1 THEN
                -- The rest of the batch continues after the first job in the same order.
                IF v_first.group_key IS NOT NULL THEN
                    v_ids := v_ids || ARRAY(
                        SELECT j.id FROM dicom_gw.jobs j
                        WHERE j.state = 'available' AND j.queue = p_queue
                          AND j.lane = v_lane.lane AND j.group_key = v_first.group_key
                          AND (j.priority, j.run_at, j.id) > (v_first.priority, v_first.run_at, v_first.id)
                        ORDER BY j.priority, j.run_at, j.id
                        LIMIT v_room - 1 FOR UPDATE SKIP LOCKED);
                ELSE
                    v_ids := v_ids || ARRAY(
                        SELECT j.id FROM dicom_gw.jobs j
                        WHERE j.state = 'available' AND j.queue = p_queue
                          AND j.lane = v_lane.lane AND j.group_key IS NULL
                          AND (j.priority, j.run_at, j.id) > (v_first.priority, v_first.run_at, v_first.id)
                        ORDER BY j.priority, j.run_at, j.id
                        LIMIT v_room - 1 FOR UPDATE SKIP LOCKED);
                END IF;
            END IF;

            RETURN QUERY
            UPDATE dicom_gw.jobs j
            SET state = 'running', attempt = j.attempt + 1,
                lease_id = nextval('dicom_gw.job_lease_id_seq'), worker_id = p_worker_id,
                started_at = now(),
                lease_expires_at = now() + make_interval(secs => p_lease_seconds)
            WHERE j.id = ANY (v_ids)
            RETURNING j.*;
            RETURN;
        END LOOP;
        EXIT WHEN cardinality(v_waited) = 0;
    END LOOP;
END;
$$;
