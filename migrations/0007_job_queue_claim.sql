-- dicom-gw schema, part 7: job queue claims that stay cheap under a pinned snapshot.
--
-- Under a long-held snapshot (pg_dump, a REPEATABLE READ report) no dead row of `jobs` may
-- be pruned, so every index scan that starts at the head of a range walks the entries of
-- every job claimed, promoted or finished since the snapshot, visiting the heap for each.
-- Measured here: a 10-minute pin at ~8,000 jobs/s leaves millions of such entries and the
-- 0002 claim's periodic sweeps "from the start" slowed the queue down to a fraction. So:
--
-- * claims seek past the caller's hint (the last key it claimed in the lane), and sweeps
--   start a short look-back before the hint instead of at the head of the index; jobs of a
--   better priority than the hint are found by a separate probe of their own (empty unless
--   the lane mixes priorities);
-- * claims promote only scheduled jobs that fell due within a short window (the scheduled
--   index's head is as dead as the available one's); the rescuer promotes everything.
--
-- * promotion sets run_at to now(), so the only jobs that land further behind a hint than
--   the look-back are those of an enqueuing transaction that took longer than it to commit.
--
-- A full sweep (no hints, no window) remains for those; the worker runs it rarely, from one
-- claim loop. Claims of a limited lane also never wait for its lock while holding another
-- lane's (0002's claim could deadlock there with several processes).

DROP FUNCTION dicom_gw.job_claim(text, bigint, integer, double precision, text[], text[],
                                 integer[], text[], bigint[]);
DROP FUNCTION dicom_gw.job_promote_due(integer);

-- Moves due scheduled jobs to available; with p_window_seconds, only those due within that
-- many seconds (a range scan that skips the dead head of the index). Concurrent callers skip
-- each other's rows. A promoted job's run_at becomes now(): jobs queue in the order they
-- became runnable, and none lands far behind the claimers' hints (a retry due an hour ago
-- but promoted only now would otherwise be found by a full sweep alone).
CREATE FUNCTION dicom_gw.job_promote_due(p_limit integer DEFAULT 1000,
                                         p_window_seconds double precision DEFAULT NULL)
RETURNS integer LANGUAGE sql AS $$
    WITH due AS (
        SELECT id FROM dicom_gw.jobs
        WHERE state = 'scheduled' AND run_at <= now()
          -- One range for the index, window or not.
          AND run_at > coalesce(now() - make_interval(secs => p_window_seconds), '-infinity')
        ORDER BY run_at LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), upd AS (
        UPDATE dicom_gw.jobs j SET state = 'available', run_at = now() FROM due WHERE j.id = due.id RETURNING 1
    )
    SELECT count(*)::integer FROM upd;
$$;

-- Claims up to p_limit jobs of one queue for worker p_worker_id: all from one lane and
-- one group (the group of the first job in order of priority, run_at, id; jobs without a
-- group_key are batched with other jobs without one). Never lets a lane exceed its
-- max_running: claims of a limited lane serialise on its job_lanes row for the duration of
-- the claim. Each job gets its own lease_id and a deadline of now() + p_lease_seconds.
-- Run it in autocommit (READ COMMITTED): the running count must see the claims committed
-- by whoever held the lane row before.
--
-- p_lanes restricts the lanes considered (NULL: all). Hints (parallel arrays: lane, and
-- the priority, run_at (as text, exact to the microsecond) and id of the last job the
-- caller claimed there) make a lane's scan start after that key; a job of a better priority
-- than the hint's is looked for first, separately. p_lookback_seconds > 0 (a sweep) starts
-- the scan that long before the hint's run_at instead, for jobs that became available
-- behind the hint (a long enqueuing transaction, a late promotion). p_promote_window_seconds
-- bounds the promotion of due scheduled jobs (NULL: all). Without hints and window (a full
-- sweep) it is the plain claim.
CREATE FUNCTION dicom_gw.job_claim(
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
                    PERFORM 1 FROM dicom_gw.job_lanes l WHERE l.lane = v_lane.lane
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
                    PERFORM 1 FROM dicom_gw.job_lanes l
                    WHERE l.lane = v_lane.lane
                      AND (l.paused_until IS NULL OR l.paused_until <= now())
                    FOR NO KEY UPDATE;
                    CONTINUE WHEN NOT FOUND;
                END IF;
                SELECT v_lane.max_running - count(*) INTO v_room
                FROM dicom_gw.jobs j WHERE j.state = 'running' AND j.lane = v_lane.lane;
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

-- MARK: inspection for metrics

-- Jobs that left the hot table in the last hour, by queue, lane and outcome (completed,
-- discarded, cancelled). A range of the finished_at index: the cost is the last hour's
-- volume, not the whole history. The metrics sampler reads this view.
CREATE VIEW dicom_gw.job_finished_last_hour AS
SELECT h.queue, h.lane, h.outcome, count(*) AS jobs
FROM dicom_gw.job_history h
WHERE h.finished_at > now() - interval '1 hour'
GROUP BY 1, 2, 3;

-- Failed attempts in the last hour, by queue, lane and error kind (transient, permanent,
-- outage, rescued, cancelled), from the error history of live jobs and of jobs finished in
-- the last hour (an attempt fails before its job finishes). The metrics sampler reads this
-- view; job_failures_hourly has the whole history.
CREATE VIEW dicom_gw.job_failures_last_hour AS
SELECT f.queue, f.lane, e.entry ->> 'kind' AS error_kind, count(*) AS failures
FROM (SELECT queue, lane, errors FROM dicom_gw.jobs WHERE errors <> '[]'
      UNION ALL
      SELECT queue, lane, errors FROM dicom_gw.job_history
      WHERE finished_at > now() - interval '1 hour' AND errors <> '[]') AS f
CROSS JOIN LATERAL jsonb_array_elements(f.errors) AS e(entry)
WHERE (e.entry ->> 'at')::timestamptz > now() - interval '1 hour'
GROUP BY 1, 2, 3;
