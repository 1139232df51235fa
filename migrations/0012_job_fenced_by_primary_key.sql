-- dicom-gw schema, part 12: fenced job statements that cannot be planned on the running index.
--
-- Complete, fail, snooze and extend find their jobs by (id, lease_id). Until now they also
-- said `state = 'running'`, which lets the planner answer them from jobs_running_idx (the
-- partial index of running jobs) instead of the primary key. Normally both plans are cheap.
-- Under a long-held snapshot (pg_dump, a REPEATABLE READ report) they are not: every job
-- claimed since the snapshot leaves a dead entry in jobs_running_idx that nobody may prune,
-- and after an autoanalyze of the bloated table (few live rows, many pages) the planner
-- takes the running index for a tiny one. Measured here (scripts/bench-queue.sh pinned):
-- each job_complete then walked millions of dead entries, 0.5 to 2 s per call, and the
-- queue fell from ~38,000 to ~100 jobs/s for 60 to 100 s at a time, until the next analyze
-- flipped the plan back.
--
-- A lease id is set only while a job runs (CHECK ((state = 'running') = (lease_id IS NOT
-- NULL)) on jobs), so `lease_id = <given>` already means running: the state test adds
-- nothing but the second plan. Without it only the primary key can serve these statements,
-- whatever the statistics say. The bodies are otherwise those of 0002.

CREATE OR REPLACE FUNCTION dicom_gw.job_complete(p_ids bigint[], p_lease_ids bigint[])
RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    v_rejected bigint[];
BEGIN
    WITH done AS (
        -- Lease ids are unique over all jobs, so matching each list separately is the
        -- same as matching pairs, and keeps the plan on the primary key.
        DELETE FROM dicom_gw.jobs j
        WHERE j.id = ANY (p_ids) AND j.lease_id = ANY (p_lease_ids)
        RETURNING j.*
    ), moved AS (
        INSERT INTO dicom_gw.job_history
            (id, queue, lane, kind, group_key, dedupe_key, payload, priority, outcome, attempt,
             max_attempts, snooze_count, rescue_count, enqueued_at, started_at, finished_at,
             lease_id, worker_id, last_error, errors)
        SELECT id, queue, lane, kind, group_key, dedupe_key, payload, priority, 'completed',
               attempt, max_attempts, snooze_count, rescue_count, enqueued_at, started_at,
               now(), lease_id, worker_id, last_error, errors
        FROM done
        RETURNING id
    )
    SELECT coalesce(array_agg(f.id), '{}') INTO v_rejected
    FROM unnest(p_ids) AS f(id)
    WHERE f.id NOT IN (SELECT id FROM moved);

    IF cardinality(v_rejected) > 0 THEN
        PERFORM dicom_gw.job_count_stale(v_rejected);
    END IF;
    RETURN v_rejected;
END;
$$;

CREATE OR REPLACE FUNCTION dicom_gw.job_fail(
    p_id                bigint,
    p_lease_id          bigint,
    p_kind              text,
    p_message           text,
    p_retry_in_seconds  double precision DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_job    dicom_gw.jobs;
    v_lane   dicom_gw.job_lanes;
    v_entry  jsonb;
    v_delay  interval;
    v_until  timestamptz;
BEGIN
    IF p_kind NOT IN ('transient', 'permanent', 'outage') THEN
        RAISE EXCEPTION 'job_fail: unknown error kind %', p_kind USING ERRCODE = '22023';
    END IF;
    SELECT * INTO v_job FROM dicom_gw.jobs
    WHERE id = p_id AND lease_id = p_lease_id
    FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM dicom_gw.job_count_stale(ARRAY[p_id]);
        RETURN 'stale';
    END IF;
    SELECT * INTO v_lane FROM dicom_gw.job_lanes WHERE lane = v_job.lane;
    v_entry := jsonb_build_object('attempt', v_job.attempt, 'at', now(), 'kind', p_kind,
                                  'message', p_message, 'worker_id', v_job.worker_id,
                                  'lease_id', v_job.lease_id);

    IF p_kind = 'outage' THEN
        v_until := now() + coalesce(make_interval(secs => p_retry_in_seconds),
                                    v_lane.outage_pause, interval '30 seconds');
        UPDATE dicom_gw.job_lanes
        SET paused_until = greatest(coalesce(paused_until, v_until), v_until),
            pause_reason = 'outage: ' || left(coalesce(p_message, ''), 200),
            updated_at = now()
        WHERE lane = v_job.lane AND (paused_until IS NULL OR paused_until < v_until);
        UPDATE dicom_gw.jobs
        SET state = 'scheduled', run_at = v_until, attempt = attempt - 1,
            snooze_count = snooze_count + 1, lease_id = NULL, worker_id = NULL,
            lease_expires_at = NULL, last_error = p_message,
            errors = dicom_gw.job_append_error(errors, v_entry)
        WHERE id = p_id;
        RETURN 'snoozed';
    END IF;

    IF p_kind = 'transient'
       AND v_job.attempt < coalesce(v_job.max_attempts, v_lane.max_attempts, 10) THEN
        v_delay := coalesce(
            make_interval(secs => p_retry_in_seconds),
            least(coalesce(v_lane.backoff_max, interval '1 hour'),
                  coalesce(v_lane.backoff_base, interval '10 seconds')
                      * power(2, least(v_job.attempt - 1, 40)))
              * (1 - coalesce(v_lane.backoff_jitter, 0.2) * random()));
        UPDATE dicom_gw.jobs
        SET state = 'scheduled', run_at = now() + v_delay, lease_id = NULL, worker_id = NULL,
            lease_expires_at = NULL, last_error = p_message,
            errors = dicom_gw.job_append_error(errors, v_entry)
        WHERE id = p_id;
        RETURN 'retrying';
    END IF;

    WITH gone AS (DELETE FROM dicom_gw.jobs WHERE id = p_id RETURNING *)
    INSERT INTO dicom_gw.job_history
        (id, queue, lane, kind, group_key, dedupe_key, payload, priority, outcome, attempt,
         max_attempts, snooze_count, rescue_count, enqueued_at, started_at, finished_at,
         lease_id, worker_id, last_error, errors)
    SELECT id, queue, lane, kind, group_key, dedupe_key, payload, priority, 'discarded',
           attempt, max_attempts, snooze_count, rescue_count, enqueued_at, started_at, now(),
           lease_id, worker_id, p_message, dicom_gw.job_append_error(errors, v_entry)
    FROM gone;
    RETURN 'discarded';
END;
$$;

CREATE OR REPLACE FUNCTION dicom_gw.job_snooze(p_id bigint, p_lease_id bigint, p_seconds double precision,
                                    p_reason text DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dicom_gw.jobs
    SET state = CASE WHEN p_seconds > 0 THEN 'scheduled' ELSE 'available' END,
        run_at = now() + make_interval(secs => greatest(p_seconds, 0)),
        attempt = attempt - 1, snooze_count = snooze_count + 1,
        lease_id = NULL, worker_id = NULL, lease_expires_at = NULL
    WHERE id = p_id AND lease_id = p_lease_id;
    IF FOUND THEN RETURN true; END IF;
    PERFORM dicom_gw.job_count_stale(ARRAY[p_id]);
    RETURN false;
END;
$$;

CREATE OR REPLACE FUNCTION dicom_gw.job_extend(p_ids bigint[], p_lease_ids bigint[], p_seconds double precision)
RETURNS bigint[] LANGUAGE sql AS $$
    WITH ext AS (
        UPDATE dicom_gw.jobs j SET lease_expires_at = now() + make_interval(secs => p_seconds)
        WHERE j.id = ANY (p_ids) AND j.lease_id = ANY (p_lease_ids)
        RETURNING j.id
    )
    SELECT coalesce(array_agg(f.id), '{}') FROM unnest(p_ids) AS f(id)
    WHERE f.id NOT IN (SELECT id FROM ext);
$$;
