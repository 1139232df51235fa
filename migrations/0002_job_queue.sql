-- dicom-gw schema, part 2: a generic job queue.
--
-- Knows nothing of DICOM. Live work (scheduled, available, running) sits in the small hot
-- table `jobs`; finished, discarded and cancelled jobs move to `job_history`, partitioned
-- by UTC day, whose retention drops whole days. Every hot operation is one function call
-- (one round trip). All time arithmetic uses the database clock, now().
--
-- Vocabulary, as it reads in reports:
--   queue   a stream of work a kind of worker consumes ('forward', 'archive', ...)
--   lane    a unit of capacity shared by jobs of any queue, e.g. 'destination:42': its row
--           in job_lanes holds the running limit, pause, attempt limit and backoff policy
--   group   jobs of one lane with the same group_key (a study) that a claim hands out
--           together so one worker serves them over one connection
--   lease   one attempt: each claim mints a lease_id from a sequence; complete, fail,
--           snooze and extend must present (id, lease_id); a superseded lease is rejected
--           and counted as a stale completion

CREATE SCHEMA IF NOT EXISTS dicom_gw;

CREATE SEQUENCE dicom_gw.job_id_seq;
CREATE SEQUENCE dicom_gw.job_lease_id_seq;

-- Capacity and retry policy per lane. A row is created with defaults by the first enqueue
-- into a lane; the application configures it (the forwarder: one lane per destination).
CREATE TABLE dicom_gw.job_lanes (
    lane             text PRIMARY KEY,
    -- At most this many jobs of the lane run at once over all workers; NULL: no limit.
    max_running      integer CHECK (max_running IS NULL OR max_running >= 0),
    -- Attempts before a transiently failing job is discarded (dead-lettered).
    max_attempts     integer NOT NULL DEFAULT 10 CHECK (max_attempts >= 1),
    -- Retry n waits least(backoff_max, backoff_base * 2^(n-1)), minus up to backoff_jitter
    -- of itself at random, so retries of one outage spread out.
    backoff_base     interval NOT NULL DEFAULT '10 seconds',
    backoff_max      interval NOT NULL DEFAULT '1 hour',
    backoff_jitter   double precision NOT NULL DEFAULT 0.2 CHECK (backoff_jitter BETWEEN 0 AND 1),
    -- How long an 'outage' failure pauses the lane (its jobs wait without spending attempts).
    outage_pause     interval NOT NULL DEFAULT '30 seconds',
    -- No job of the lane is claimed before this time; 'infinity' pauses until resumed.
    paused_until     timestamptz,
    pause_reason     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Operator pauses of a whole queue. A queue without a row is running.
CREATE TABLE dicom_gw.job_queues (
    queue        text PRIMARY KEY,
    paused_until timestamptz,
    pause_reason text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per live worker process, its heartbeat refreshed every few seconds. A running
-- job whose owner is missing or silent is rescued.
CREATE TABLE dicom_gw.job_workers (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL,
    host          text NOT NULL,
    pid           integer NOT NULL,
    queues        text[] NOT NULL DEFAULT '{}',
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 50);

-- Live jobs only: its size is the backlog. fillfactor leaves room for HOT updates (lease
-- extension touches only unindexed columns); autovacuum by absolute thresholds, because a
-- table that is mostly empty never reaches a percentage.
CREATE TABLE dicom_gw.jobs (
    id               bigint PRIMARY KEY DEFAULT nextval('dicom_gw.job_id_seq'),
    queue            text NOT NULL,
    lane             text NOT NULL,
    kind             text NOT NULL,
    group_key        text,
    -- Unique among live jobs: a second enqueue with the same key is skipped.
    dedupe_key       text,
    payload          jsonb NOT NULL DEFAULT '{}',
    priority         smallint NOT NULL DEFAULT 0,   -- lower runs first
    state            text NOT NULL DEFAULT 'available'
                     CHECK (state IN ('scheduled', 'available', 'running')),
    attempt          integer NOT NULL DEFAULT 0,    -- attempts started (snoozes give theirs back)
    max_attempts     integer CHECK (max_attempts IS NULL OR max_attempts >= 1),  -- NULL: the lane's
    snooze_count     integer NOT NULL DEFAULT 0,
    rescue_count     integer NOT NULL DEFAULT 0,
    enqueued_at      timestamptz NOT NULL DEFAULT now(),
    run_at           timestamptz NOT NULL DEFAULT now(),   -- not claimed before
    started_at       timestamptz,                          -- current or last attempt
    lease_id         bigint,
    worker_id        bigint,
    lease_expires_at timestamptz,
    last_error       text,
    -- [{attempt, at, kind, message, worker_id, lease_id}], newest last, at most 25.
    errors           jsonb NOT NULL DEFAULT '[]',
    CHECK ((state = 'running') = (lease_id IS NOT NULL))
) WITH (fillfactor = 70,
        autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0,
        autovacuum_vacuum_insert_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0,
        autovacuum_analyze_threshold = 1000, autovacuum_analyze_scale_factor = 0,
        autovacuum_vacuum_cost_delay = 0);

CREATE INDEX jobs_available_idx ON dicom_gw.jobs (queue, lane, priority, run_at, id)
    WHERE state = 'available';
CREATE INDEX jobs_available_group_idx ON dicom_gw.jobs (queue, lane, group_key, priority, run_at, id)
    WHERE state = 'available' AND group_key IS NOT NULL;
CREATE INDEX jobs_scheduled_idx ON dicom_gw.jobs (run_at) WHERE state = 'scheduled';
CREATE INDEX jobs_running_idx ON dicom_gw.jobs (lane, worker_id) WHERE state = 'running';
CREATE UNIQUE INDEX jobs_dedupe_key_idx ON dicom_gw.jobs (dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Finished jobs, append-only, one partition per UTC day of finished_at. A job retried by an
-- operator keeps its id, so an id may appear once per time it ended.
CREATE TABLE dicom_gw.job_history (
    id            bigint NOT NULL,
    queue         text NOT NULL,
    lane          text NOT NULL,
    kind          text NOT NULL,
    group_key     text,
    dedupe_key    text,
    payload       jsonb NOT NULL,
    priority      smallint NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('completed', 'discarded', 'cancelled')),
    attempt       integer NOT NULL,
    max_attempts  integer,
    snooze_count  integer NOT NULL,
    rescue_count  integer NOT NULL,
    enqueued_at   timestamptz NOT NULL,
    started_at    timestamptz,
    finished_at   timestamptz NOT NULL DEFAULT now(),
    lease_id      bigint,
    worker_id     bigint,
    last_error    text,
    errors        jsonb NOT NULL
) PARTITION BY RANGE (finished_at);

CREATE INDEX job_history_id_idx ON dicom_gw.job_history (id);
CREATE INDEX job_history_finished_at_idx ON dicom_gw.job_history (finished_at);
-- Dead letters are looked up by lane (operators retry a destination's failures).
CREATE INDEX job_history_discarded_idx ON dicom_gw.job_history (lane, finished_at)
    WHERE outcome = 'discarded';

-- Catches rows if partition maintenance ever stops, so completions never fail for want of a
-- partition. Normally empty; job_history_prune also deletes old rows from it.
CREATE TABLE dicom_gw.job_history_default PARTITION OF dicom_gw.job_history DEFAULT;

-- Rare events, counted per hour and lane: stale completions (a superseded attempt reported
-- back), rescues. Frequent events are counted from job_history instead.
CREATE TABLE dicom_gw.job_event_counts (
    hour   timestamptz NOT NULL,
    lane   text NOT NULL,
    event  text NOT NULL,
    count  bigint NOT NULL,
    PRIMARY KEY (hour, lane, event)
);

-- MARK: internal helpers

CREATE FUNCTION dicom_gw.job_count_event(p_lane text, p_event text, p_count bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO dicom_gw.job_event_counts AS c (hour, lane, event, count)
    SELECT date_trunc('hour', now()), coalesce(p_lane, ''), p_event, p_count
    WHERE p_count > 0
    ON CONFLICT (hour, lane, event) DO UPDATE SET count = c.count + excluded.count;
$$;

-- Appends one error entry, keeping the newest 25.
CREATE FUNCTION dicom_gw.job_append_error(p_errors jsonb, p_entry jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_array_length(p_errors) >= 25
                THEN (p_errors - 0) || jsonb_build_array(p_entry)
                ELSE p_errors || jsonb_build_array(p_entry) END;
$$;

-- Rejected leases: count them as stale completions against the job's lane.
CREATE FUNCTION dicom_gw.job_count_stale(p_ids bigint[])
RETURNS void LANGUAGE sql AS $$
    SELECT dicom_gw.job_count_event(lane, 'stale_completion', n)
    FROM (SELECT coalesce(
                   (SELECT j.lane FROM dicom_gw.jobs j WHERE j.id = s.id),
                   (SELECT h.lane FROM dicom_gw.job_history h WHERE h.id = s.id LIMIT 1),
                   '') AS lane, count(*) AS n
          FROM unnest(p_ids) AS s(id) GROUP BY 1) AS t;
$$;

-- MARK: enqueue

-- Inserts many jobs in one statement, inside the caller's transaction. Parallel arrays,
-- one element per job; kinds and lanes are required, the rest may be NULL (or shorter:
-- missing elements are NULL). Payloads are JSON text; an empty group or dedupe key and a
-- max_attempts of 0 mean none; delays are milliseconds from now(). A job whose dedupe_key is already live is
-- skipped. Returns (ordinal, id) of the jobs inserted, ordinal 1-based.
-- p_notify_channel: when not NULL and a job is runnable now, pg_notify(channel, queue)
-- fires at commit; the caller debounces.
CREATE FUNCTION dicom_gw.job_enqueue(
    p_queue          text,
    p_kinds          text[],
    p_lanes          text[],
    p_payloads       text[]    DEFAULT NULL,
    p_group_keys     text[]    DEFAULT NULL,
    p_dedupe_keys    text[]    DEFAULT NULL,
    p_priorities     integer[] DEFAULT NULL,
    p_delays_ms      bigint[]  DEFAULT NULL,
    p_max_attempts   integer[] DEFAULT NULL,
    p_notify_channel text      DEFAULT NULL)
RETURNS TABLE (ordinal bigint, id bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_runnable boolean;
BEGIN
    INSERT INTO dicom_gw.job_lanes (lane)
    SELECT DISTINCT l FROM unnest(p_lanes) AS l WHERE l IS NOT NULL
    ON CONFLICT (lane) DO NOTHING;

    RETURN QUERY
    WITH src AS (
        SELECT nextval('dicom_gw.job_id_seq') AS new_id, t.*
        FROM unnest(p_kinds, p_lanes, p_payloads, p_group_keys, p_dedupe_keys,
                    p_priorities, p_delays_ms, p_max_attempts)
             WITH ORDINALITY AS t(kind, lane, payload, group_key, dedupe_key,
                                  priority, delay, max_attempts, ord)
    ), ins AS (
        INSERT INTO dicom_gw.jobs AS j (id, queue, lane, kind, group_key, dedupe_key, payload,
                                        priority, state, run_at, max_attempts)
        SELECT s.new_id, p_queue, s.lane, s.kind, nullif(s.group_key, ''),
               nullif(s.dedupe_key, ''), coalesce(nullif(s.payload, ''), '{}')::jsonb,
               coalesce(s.priority, 0),
               CASE WHEN coalesce(s.delay, 0) > 0 THEN 'scheduled' ELSE 'available' END,
               now() + greatest(coalesce(s.delay, 0), 0) * interval '1 millisecond',
               nullif(s.max_attempts, 0)
        FROM src s ORDER BY s.ord
        ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
        RETURNING j.id, j.state
    )
    SELECT s.ord, ins.id FROM ins JOIN src s ON s.new_id = ins.id ORDER BY s.ord;

    IF p_notify_channel IS NOT NULL THEN
        SELECT bool_or(coalesce(d, 0) <= 0) INTO v_runnable
        FROM unnest(p_kinds, p_delays_ms) AS u(k, d);
        IF v_runnable THEN
            PERFORM pg_notify(p_notify_channel, p_queue);
        END IF;
    END IF;
END;
$$;

-- MARK: claim

-- Moves due scheduled jobs to available. Called by job_claim and the rescuer; concurrent
-- callers skip each other's rows.
CREATE FUNCTION dicom_gw.job_promote_due(p_limit integer DEFAULT 1000)
RETURNS integer LANGUAGE sql AS $$
    WITH due AS (
        SELECT id FROM dicom_gw.jobs
        WHERE state = 'scheduled' AND run_at <= now()
        ORDER BY run_at LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), upd AS (
        UPDATE dicom_gw.jobs j SET state = 'available' FROM due WHERE j.id = due.id RETURNING 1
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
-- caller claimed there): start that lane's
-- scan after this key. Under a long-held snapshot (pg_dump, a REPEATABLE READ report) the
-- head of the available index fills with dead entries that cannot be pruned, and an
-- unhinted scan walks them all; the hint seeks past them. The caller sweeps without hints
-- when a hinted claim comes back empty and every few seconds (a higher priority or an
-- earlier run_at may have appeared behind the hint).
CREATE FUNCTION dicom_gw.job_claim(
    p_queue           text,
    p_worker_id       bigint,
    p_limit           integer,
    p_lease_seconds   double precision,
    p_lanes           text[]        DEFAULT NULL,
    p_hint_lanes      text[]    DEFAULT NULL,
    p_hint_priorities integer[] DEFAULT NULL,
    p_hint_run_ats    text[]    DEFAULT NULL,
    p_hint_ids        bigint[]  DEFAULT NULL)
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
BEGIN
    IF p_limit < 1 THEN RETURN; END IF;
    IF EXISTS (SELECT 1 FROM dicom_gw.job_queues q
               WHERE q.queue = p_queue AND q.paused_until > now()) THEN
        RETURN;
    END IF;
    PERFORM dicom_gw.job_promote_due(1000);

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
                SELECT j.id, j.group_key, j.priority, j.run_at INTO v_first
                FROM dicom_gw.jobs j
                WHERE j.state = 'available' AND j.queue = p_queue AND j.lane = v_lane.lane
                  AND (j.priority, j.run_at, j.id)
                      > (p_hint_priorities[v_hint]::smallint,
                         p_hint_run_ats[v_hint]::timestamptz, p_hint_ids[v_hint])
                ORDER BY j.priority, j.run_at, j.id
                LIMIT 1 FOR UPDATE SKIP LOCKED;
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
                ELSE
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

-- MARK: complete, fail, snooze, extend

-- Completes attempts (parallel arrays of job ids and lease ids): the jobs move to
-- job_history as 'completed'. Returns the ids whose lease was superseded (rescued,
-- cancelled, or already finished); their result must be discarded. Those are counted.
CREATE FUNCTION dicom_gw.job_complete(p_ids bigint[], p_lease_ids bigint[])
RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    v_rejected bigint[];
BEGIN
    WITH done AS (
        -- Lease ids are unique over all jobs, so matching each list separately is the
        -- same as matching pairs, and keeps the plan on the primary key.
        DELETE FROM dicom_gw.jobs j
        WHERE j.id = ANY (p_ids) AND j.lease_id = ANY (p_lease_ids) AND j.state = 'running'
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

-- Records a failed attempt. p_kind:
--   'transient'  retry after the lane's backoff (or p_retry_in_seconds), discard once the
--                attempts are spent
--   'permanent'  discard now
--   'outage'     the lane is down: pause it for its outage_pause (or p_retry_in_seconds)
--                and put the job back for then, giving its attempt back
-- Returns 'retrying', 'discarded', 'snoozed', or 'stale' (lease superseded, nothing done).
CREATE FUNCTION dicom_gw.job_fail(
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
    WHERE id = p_id AND lease_id = p_lease_id AND state = 'running'
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

-- Puts a running job back to wait p_seconds without spending its attempt (the work could
-- not start: a resource was busy). Returns false if the lease was superseded.
CREATE FUNCTION dicom_gw.job_snooze(p_id bigint, p_lease_id bigint, p_seconds double precision,
                                    p_reason text DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dicom_gw.jobs
    SET state = CASE WHEN p_seconds > 0 THEN 'scheduled' ELSE 'available' END,
        run_at = now() + make_interval(secs => greatest(p_seconds, 0)),
        attempt = attempt - 1, snooze_count = snooze_count + 1,
        lease_id = NULL, worker_id = NULL, lease_expires_at = NULL
    WHERE id = p_id AND lease_id = p_lease_id AND state = 'running';
    IF FOUND THEN RETURN true; END IF;
    PERFORM dicom_gw.job_count_stale(ARRAY[p_id]);
    RETURN false;
END;
$$;

-- Extends the deadline of attempts still held (a transfer making progress). Touches only
-- unindexed columns, so it is a HOT update. Returns the ids no longer held (rescued or
-- cancelled): their worker should stop.
CREATE FUNCTION dicom_gw.job_extend(p_ids bigint[], p_lease_ids bigint[], p_seconds double precision)
RETURNS bigint[] LANGUAGE sql AS $$
    WITH ext AS (
        UPDATE dicom_gw.jobs j SET lease_expires_at = now() + make_interval(secs => p_seconds)
        WHERE j.id = ANY (p_ids) AND j.lease_id = ANY (p_lease_ids) AND j.state = 'running'
        RETURNING j.id
    )
    SELECT coalesce(array_agg(f.id), '{}') FROM unnest(p_ids) AS f(id)
    WHERE f.id NOT IN (SELECT id FROM ext);
$$;

-- MARK: operator actions

-- Cancels live jobs, queued or running: they move to job_history as 'cancelled'. A running
-- attempt's later report is rejected as stale. Returns the ids cancelled.
CREATE FUNCTION dicom_gw.job_cancel(p_ids bigint[], p_reason text DEFAULT NULL)
RETURNS bigint[] LANGUAGE sql AS $$
    WITH gone AS (
        DELETE FROM dicom_gw.jobs WHERE id = ANY (p_ids) RETURNING *
    ), moved AS (
        INSERT INTO dicom_gw.job_history
            (id, queue, lane, kind, group_key, dedupe_key, payload, priority, outcome, attempt,
             max_attempts, snooze_count, rescue_count, enqueued_at, started_at, finished_at,
             lease_id, worker_id, last_error, errors)
        SELECT id, queue, lane, kind, group_key, dedupe_key, payload, priority, 'cancelled',
               attempt, max_attempts, snooze_count, rescue_count, enqueued_at, started_at, now(),
               lease_id, worker_id, coalesce(p_reason, last_error),
               dicom_gw.job_append_error(errors, jsonb_build_object(
                   'attempt', attempt, 'at', now(), 'kind', 'cancelled', 'message', p_reason))
        FROM gone
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM moved;
$$;

-- Puts discarded or cancelled jobs back to work with fresh attempts, keeping their ids. Only
-- a job whose latest history row is discarded or cancelled and which is not live again
-- qualifies; a live job with the same dedupe_key makes the retry skip it. Returns the ids
-- requeued.
CREATE FUNCTION dicom_gw.job_retry(p_ids bigint[])
RETURNS bigint[] LANGUAGE sql AS $$
    WITH latest AS (
        SELECT DISTINCT ON (h.id) h.*
        FROM dicom_gw.job_history h
        WHERE h.id = ANY (p_ids)
        ORDER BY h.id, h.finished_at DESC
    ), ins AS (
        INSERT INTO dicom_gw.jobs (id, queue, lane, kind, group_key, dedupe_key, payload,
                                   priority, state, attempt, max_attempts, enqueued_at, run_at,
                                   errors, last_error)
        SELECT l.id, l.queue, l.lane, l.kind, l.group_key, l.dedupe_key, l.payload, l.priority,
               'available', 0, l.max_attempts, l.enqueued_at, now(),
               dicom_gw.job_append_error(l.errors, jsonb_build_object(
                   'attempt', l.attempt, 'at', now(), 'kind', 'retried', 'message',
                   'requeued after ' || l.outcome)),
               l.last_error
        FROM latest l
        WHERE l.outcome IN ('discarded', 'cancelled')
          AND NOT EXISTS (SELECT 1 FROM dicom_gw.jobs j WHERE j.id = l.id)
        ON CONFLICT DO NOTHING
        RETURNING id
    )
    SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM ins;
$$;

-- Pauses a lane until p_until ('infinity': until resumed). Running jobs finish.
CREATE FUNCTION dicom_gw.job_lane_pause(p_lane text, p_until timestamptz, p_reason text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO dicom_gw.job_lanes AS l (lane, paused_until, pause_reason)
    VALUES (p_lane, p_until, p_reason)
    ON CONFLICT (lane) DO UPDATE
    SET paused_until = excluded.paused_until, pause_reason = excluded.pause_reason,
        updated_at = now();
$$;

CREATE FUNCTION dicom_gw.job_lane_resume(p_lane text)
RETURNS void LANGUAGE sql AS $$
    UPDATE dicom_gw.job_lanes SET paused_until = NULL, pause_reason = NULL, updated_at = now()
    WHERE lane = p_lane;
$$;

CREATE FUNCTION dicom_gw.job_queue_pause(p_queue text, p_until timestamptz, p_reason text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO dicom_gw.job_queues AS q (queue, paused_until, pause_reason)
    VALUES (p_queue, p_until, p_reason)
    ON CONFLICT (queue) DO UPDATE
    SET paused_until = excluded.paused_until, pause_reason = excluded.pause_reason,
        updated_at = now();
$$;

CREATE FUNCTION dicom_gw.job_queue_resume(p_queue text)
RETURNS void LANGUAGE sql AS $$
    UPDATE dicom_gw.job_queues SET paused_until = NULL, pause_reason = NULL, updated_at = now()
    WHERE queue = p_queue;
$$;

-- MARK: workers and rescue

CREATE FUNCTION dicom_gw.job_worker_register(p_name text, p_host text, p_pid integer,
                                             p_queues text[])
RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO dicom_gw.job_workers (name, host, pid, queues)
    VALUES (p_name, p_host, p_pid, coalesce(p_queues, '{}'))
    RETURNING id;
$$;

-- Refreshes a worker's heartbeat. Returns false when the row is gone (the worker was
-- presumed dead and removed): the caller registers again.
CREATE FUNCTION dicom_gw.job_worker_heartbeat(p_worker_id bigint)
RETURNS boolean LANGUAGE sql AS $$
    WITH hb AS (
        UPDATE dicom_gw.job_workers SET heartbeat_at = now() WHERE id = p_worker_id RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM hb);
$$;

CREATE FUNCTION dicom_gw.job_worker_deregister(p_worker_id bigint)
RETURNS void LANGUAGE sql AS $$
    DELETE FROM dicom_gw.job_workers WHERE id = p_worker_id;
$$;

-- Returns running jobs whose worker is missing or silent for p_silence_seconds, or whose
-- deadline passed, to available (an attempt spent: a job that kills its worker each time
-- must end), or discards them when their attempts are spent. Also promotes due scheduled
-- jobs and forgets workers silent for an hour. Safe to run from every process at once.
-- Returns (id, lane, outcome) with outcome 'rescued' or 'discarded'.
CREATE FUNCTION dicom_gw.job_rescue(p_silence_seconds double precision DEFAULT 20)
RETURNS TABLE (id bigint, lane text, outcome text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_silence  interval := make_interval(secs => p_silence_seconds);
    v_ids      bigint[];
    v_lanes    text[];
    v_outcomes text[];
BEGIN
    PERFORM dicom_gw.job_promote_due(10000);

    WITH stuck AS (
        SELECT j.id, j.lane,
               j.attempt >= coalesce(j.max_attempts, l.max_attempts, 10) AS spent,
               CASE WHEN j.lease_expires_at < now() THEN 'deadline passed'
                    ELSE 'worker silent' END AS reason
        FROM dicom_gw.jobs j
        LEFT JOIN dicom_gw.job_workers w ON w.id = j.worker_id
        LEFT JOIN dicom_gw.job_lanes l ON l.lane = j.lane
        WHERE j.state = 'running'
          AND (j.lease_expires_at < now() OR w.id IS NULL OR w.heartbeat_at < now() - v_silence)
        FOR UPDATE OF j SKIP LOCKED
    ), upd AS (
        UPDATE dicom_gw.jobs j
        SET state = 'available', run_at = now(), rescue_count = j.rescue_count + 1,
            lease_id = NULL, worker_id = NULL, lease_expires_at = NULL,
            last_error = 'rescued: ' || s.reason,
            errors = dicom_gw.job_append_error(j.errors, jsonb_build_object(
                'attempt', j.attempt, 'at', now(), 'kind', 'rescued', 'message', s.reason,
                'worker_id', j.worker_id, 'lease_id', j.lease_id))
        FROM stuck s WHERE j.id = s.id AND NOT s.spent
        RETURNING j.id, j.lane
    ), gone AS (
        DELETE FROM dicom_gw.jobs j USING stuck s
        WHERE j.id = s.id AND s.spent
        RETURNING j.*, s.reason
    ), moved AS (
        INSERT INTO dicom_gw.job_history
            (id, queue, lane, kind, group_key, dedupe_key, payload, priority, outcome, attempt,
             max_attempts, snooze_count, rescue_count, enqueued_at, started_at, finished_at,
             lease_id, worker_id, last_error, errors)
        SELECT g.id, g.queue, g.lane, g.kind, g.group_key, g.dedupe_key, g.payload, g.priority,
               'discarded', g.attempt, g.max_attempts, g.snooze_count, g.rescue_count + 1,
               g.enqueued_at, g.started_at, now(), g.lease_id, g.worker_id,
               'rescued: ' || g.reason || '; attempts spent',
               dicom_gw.job_append_error(g.errors, jsonb_build_object(
                   'attempt', g.attempt, 'at', now(), 'kind', 'rescued', 'message', g.reason,
                   'worker_id', g.worker_id, 'lease_id', g.lease_id))
        FROM gone g
        RETURNING id, lane
    ), res AS (
        SELECT u.id, u.lane, 'rescued' AS outcome FROM upd u
        UNION ALL
        SELECT m.id, m.lane, 'discarded' FROM moved m
    )
    SELECT array_agg(res.id ORDER BY res.id), array_agg(res.lane ORDER BY res.id),
           array_agg(res.outcome ORDER BY res.id)
    INTO v_ids, v_lanes, v_outcomes
    FROM res;

    IF v_ids IS NOT NULL THEN
        PERFORM dicom_gw.job_count_event(t.l, 'rescued', count(*))
        FROM unnest(v_lanes) AS t(l) GROUP BY t.l;
    END IF;

    DELETE FROM dicom_gw.job_workers w
    WHERE w.heartbeat_at < now() - greatest(v_silence * 10, interval '1 hour');

    RETURN QUERY SELECT * FROM unnest(v_ids, v_lanes, v_outcomes);
END;
$$;

-- MARK: history partitions

-- Creates the daily partitions of job_history for today (UTC) and the next p_days_ahead
-- days that are missing. Each is built as a plain table with a matching CHECK constraint and
-- then ATTACHed, which takes only a SHARE UPDATE EXCLUSIVE lock on job_history: writers
-- completing jobs are never blocked. A day already present in the default partition is
-- skipped (its rows stay there until pruned). Returns the partitions created.
CREATE FUNCTION dicom_gw.job_history_create_partitions(p_days_ahead integer DEFAULT 7)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    v_day   date;
    v_from  timestamptz;
    v_to    timestamptz;
    v_name  text;
BEGIN
    FOR i IN 0..greatest(p_days_ahead, 0) LOOP
        v_day := (now() AT TIME ZONE 'UTC')::date + i;
        v_name := 'job_history_' || to_char(v_day, 'YYYYMMDD');
        CONTINUE WHEN to_regclass('dicom_gw.' || v_name) IS NOT NULL;
        v_from := v_day::timestamp AT TIME ZONE 'UTC';
        v_to := (v_day + 1)::timestamp AT TIME ZONE 'UTC';
        CONTINUE WHEN EXISTS (SELECT 1 FROM dicom_gw.job_history_default
                              WHERE finished_at >= v_from AND finished_at < v_to);
        EXECUTE format('CREATE TABLE dicom_gw.%I (LIKE dicom_gw.job_history INCLUDING DEFAULTS '
                       'INCLUDING CONSTRAINTS INCLUDING STORAGE)', v_name);
        EXECUTE format('ALTER TABLE dicom_gw.%I ADD CONSTRAINT %I CHECK (finished_at >= %L '
                       'AND finished_at < %L)', v_name, v_name || '_range', v_from, v_to);
        EXECUTE format('ALTER TABLE dicom_gw.job_history ATTACH PARTITION dicom_gw.%I '
                       'FOR VALUES FROM (%L) TO (%L)', v_name, v_from, v_to);
        RETURN NEXT v_name;
    END LOOP;
END;
$$;

-- Daily partitions of job_history and the UTC day each holds.
CREATE VIEW dicom_gw.job_history_partitions AS
SELECT c.relname AS partition_name,
       to_date(substring(c.relname FROM 'job_history_(\d{8})$'), 'YYYYMMDD') AS day
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.inhparent = 'dicom_gw.job_history'::regclass
  AND n.nspname = 'dicom_gw'
  AND c.relname ~ '^job_history_\d{8}$';

-- Drops the daily partitions older than p_keep_days whole days (UTC) and deletes such rows
-- from the default partition. DETACH and DROP take a brief ACCESS EXCLUSIVE lock; with
-- lock_timeout set, a busy moment makes this give up (retry later) rather than queue
-- writers behind it. Returns the partitions dropped.
CREATE FUNCTION dicom_gw.job_history_drop_partitions(p_keep_days integer)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    v_cutoff date := (now() AT TIME ZONE 'UTC')::date - greatest(p_keep_days, 0);
    v_name   text;
BEGIN
    PERFORM set_config('lock_timeout', '2s', true);
    FOR v_name IN
        SELECT partition_name FROM dicom_gw.job_history_partitions
        WHERE day < v_cutoff ORDER BY day
    LOOP
        EXECUTE format('ALTER TABLE dicom_gw.job_history DETACH PARTITION dicom_gw.%I', v_name);
        EXECUTE format('DROP TABLE dicom_gw.%I', v_name);
        RETURN NEXT v_name;
    END LOOP;
    DELETE FROM dicom_gw.job_history_default
    WHERE finished_at < v_cutoff::timestamp AT TIME ZONE 'UTC';
END;
$$;

SELECT count(*) AS history_partitions_created FROM dicom_gw.job_history_create_partitions(7);

-- MARK: inspection views

-- Depth and oldest wait per queue, lane and state. oldest_wait: how long the oldest job has
-- been runnable (available) or enqueued (otherwise).
CREATE VIEW dicom_gw.job_depth AS
SELECT j.queue, j.lane, j.state,
       count(*) AS jobs,
       min(j.enqueued_at) AS oldest_enqueued_at,
       now() - min(CASE WHEN j.state = 'available' THEN j.run_at ELSE j.enqueued_at END)
           AS oldest_wait,
       min(j.run_at) FILTER (WHERE j.state = 'scheduled') AS next_run_at,
       (l.paused_until > now()) IS TRUE AS lane_paused,
       l.max_running
FROM dicom_gw.jobs j
LEFT JOIN dicom_gw.job_lanes l ON l.lane = j.lane
GROUP BY j.queue, j.lane, j.state, l.paused_until, l.max_running;

-- Lanes with their policy, running count against the limit, and pause.
CREATE VIEW dicom_gw.job_lane_status AS
SELECT l.lane, l.max_running,
       (SELECT count(*) FROM dicom_gw.jobs j WHERE j.state = 'running' AND j.lane = l.lane)
           AS running,
       (SELECT count(*) FROM dicom_gw.jobs j WHERE j.state <> 'running' AND j.lane = l.lane)
           AS waiting,
       l.paused_until > now() IS TRUE AS paused, l.paused_until, l.pause_reason,
       l.max_attempts, l.backoff_base, l.backoff_max, l.outage_pause
FROM dicom_gw.job_lanes l;

-- Jobs finished per hour, by queue, lane, kind and outcome, with time from enqueue to finish.
CREATE VIEW dicom_gw.job_throughput_hourly AS
SELECT date_trunc('hour', h.finished_at) AS hour, h.queue, h.lane, h.kind, h.outcome,
       count(*) AS jobs,
       sum(h.attempt) AS attempts,
       avg(h.finished_at - h.enqueued_at) AS avg_time_to_finish,
       max(h.finished_at - h.enqueued_at) AS max_time_to_finish
FROM dicom_gw.job_history h
GROUP BY 1, 2, 3, 4, 5;

-- Failed attempts per hour, lane and error kind (transient, permanent, outage, rescued,
-- cancelled), from the error history of live and finished jobs.
CREATE VIEW dicom_gw.job_failures_hourly AS
SELECT date_trunc('hour', (e.entry ->> 'at')::timestamptz) AS hour, f.queue, f.lane,
       e.entry ->> 'kind' AS error_kind, count(*) AS failures
FROM (SELECT queue, lane, errors FROM dicom_gw.jobs
      UNION ALL
      SELECT queue, lane, errors FROM dicom_gw.job_history) AS f
CROSS JOIN LATERAL jsonb_array_elements(f.errors) AS e(entry)
GROUP BY 1, 2, 3, 4;

-- Stale completions (superseded attempts that reported back, rejected) and rescues per hour.
CREATE VIEW dicom_gw.job_events_hourly AS
SELECT hour, nullif(lane, '') AS lane,
       coalesce(sum(count) FILTER (WHERE event = 'stale_completion'), 0) AS stale_completions,
       coalesce(sum(count) FILTER (WHERE event = 'rescued'), 0) AS rescues
FROM dicom_gw.job_event_counts
GROUP BY hour, lane;

-- Dead letters: jobs whose latest end is 'discarded' and which are not live again.
CREATE VIEW dicom_gw.job_dead_letters AS
SELECT h.*
FROM (SELECT DISTINCT ON (id) * FROM dicom_gw.job_history ORDER BY id, finished_at DESC) AS h
WHERE h.outcome = 'discarded'
  AND NOT EXISTS (SELECT 1 FROM dicom_gw.jobs j WHERE j.id = h.id);

-- Worker processes, how long since each was heard from, and what each holds.
CREATE VIEW dicom_gw.job_worker_status AS
SELECT w.id AS worker_id, w.name, w.host, w.pid, w.queues, w.started_at, w.heartbeat_at,
       now() - w.heartbeat_at AS silent_for,
       (SELECT count(*) FROM dicom_gw.jobs j WHERE j.state = 'running' AND j.worker_id = w.id)
           AS running_jobs
FROM dicom_gw.job_workers w;
